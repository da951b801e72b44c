"""`Faktura` and `AsyncFaktura`: the clients."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any

import httpx

from ._base_client import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, AsyncAPIClient, SyncAPIClient
from .resources import AsyncResources, SyncResources


class Faktura(SyncResources, SyncAPIClient):
    """A client of one Faktura server with one API key.

    ```python
    client = Faktura(api_key="fk_test_…", base_url="https://billing.example.com")
    invoice = client.invoices.create(customer_id=customer.id, line_items=[...])
    ```

    `api_key` defaults to `FAKTURA_API_KEY`, `base_url` to `FAKTURA_BASE_URL` (else
    http://127.0.0.1:8000). `max_retries` (2) bounds the retries of a failed call,
    `timeout` (60 s) each attempt. Pass `http_client` to use your own `httpx.Client` (proxies,
    event hooks, transports); the SDK then leaves closing it to you.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        initial_retry_delay: float = 0.5,
        max_retry_delay: float = 8.0,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        SyncAPIClient.__init__(
            self,
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            initial_retry_delay=initial_retry_delay,
            max_retry_delay=max_retry_delay,
            default_headers=default_headers,
            http_client=http_client,
        )
        self._init_resources(self)

    def with_options(self, **changes: Any) -> Faktura:
        """A client like this one with some settings changed (`max_retries=0`, `timeout=5`),
        sharing its connection pool."""
        settings: dict[str, Any] = {
            "api_key": self.api_key,
            "base_url": self.base_url,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "initial_retry_delay": self.initial_retry_delay,
            "max_retry_delay": self.max_retry_delay,
            "default_headers": self.default_headers,
            "http_client": self._http,
        }
        settings.update(changes)
        copy = Faktura(**settings)
        copy._owns_http = False
        return copy

    def __enter__(self) -> Faktura:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncFaktura(AsyncResources, AsyncAPIClient):
    """The asyncio client: the same resources and methods as `Faktura`, awaited.

    ```python
    async with AsyncFaktura(api_key="fk_test_…") as client:
        invoice = await client.invoices.retrieve(invoice_id)
        async for customer in client.customers.list():
            ...
    ```
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        initial_retry_delay: float = 0.5,
        max_retry_delay: float = 8.0,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        AsyncAPIClient.__init__(
            self,
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            initial_retry_delay=initial_retry_delay,
            max_retry_delay=max_retry_delay,
            default_headers=default_headers,
            http_client=http_client,
        )
        self._init_resources(self)

    def with_options(self, **changes: Any) -> AsyncFaktura:
        """A client like this one with some settings changed, sharing its connection pool."""
        settings: dict[str, Any] = {
            "api_key": self.api_key,
            "base_url": self.base_url,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "initial_retry_delay": self.initial_retry_delay,
            "max_retry_delay": self.max_retry_delay,
            "default_headers": self.default_headers,
            "http_client": self._http,
        }
        settings.update(changes)
        copy = AsyncFaktura(**settings)
        copy._owns_http = False
        return copy

    async def __aenter__(self) -> AsyncFaktura:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()
