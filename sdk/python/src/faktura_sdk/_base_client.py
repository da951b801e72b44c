"""The HTTP core under both clients: authentication, JSON with exact money, the
Idempotency-Key, retries with back-off, errors, and the last response.

Retries. A request is tried again after a connection error or timeout, a 409 `conflict` (the
same Idempotency-Key still running on the server), a 429 (after its `Retry-After`) and any 5xx —
at most `max_retries` times (2 by default), waiting `initial_retry_delay · 2ⁿ` seconds (capped at
`max_retry_delay`) less up to a quarter of it at random, so that many clients failing together
do not come back together. Every POST carries an Idempotency-Key — the caller's, or one made for
the call — and every retry of the call sends the same key, so a retried POST takes effect once.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import random
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict, TypeVar
from urllib.parse import quote

import httpx
from pydantic import TypeAdapter

from . import _json
from ._errors import (
    APIConnectionError,
    APITimeoutError,
    FakturaError,
    error_from_response,
    retry_after_seconds,
)
from ._json import NOT_GIVEN, NotGiven
from ._version import __version__

T = TypeVar("T")

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_RETRIES = 2
# Failures of the connection that another attempt may not meet; a malformed URL or header would.
RETRYABLE_TRANSPORT_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
# A Retry-After longer than this is not waited out: the error is raised for the caller to decide.
MAX_RETRY_AFTER = 60.0


class RequestOptions(TypedDict, total=False):
    """Per-call options every operation takes as keyword arguments."""

    idempotency_key: str
    """POST only: the key of this logical request, reused by its retries (made up if omitted)."""
    extra_headers: Mapping[str, str]
    extra_query: Mapping[str, Any]
    extra_body: Mapping[str, Any]
    """Fields merged into the JSON body: ones this SDK version does not know yet."""
    timeout: float | httpx.Timeout | None
    max_retries: int


@dataclass(frozen=True)
class APIResponse:
    """What came back, besides the parsed object: `client.last_response`."""

    operation_id: str
    http_response: httpx.Response
    idempotency_key: str | None
    attempts: int

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def request_id(self) -> str | None:
        value = self.http_response.headers.get("x-request-id")
        return None if value is None else str(value)

    @property
    def idempotent_replayed(self) -> bool:
        return bool(self.http_response.headers.get("idempotent-replayed") == "true")


@dataclass(frozen=True)
class WholeBody:
    """A request body that is not an object of named fields (an array, say): sent as it is."""

    value: Any


def path_param(value: Any) -> str:
    """A path segment: ids as they are, anything else (an email address) percent-encoded."""
    return quote(str(_json.to_jsonable(value)), safe="")


def clean(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not NOT_GIVEN}


_adapters: dict[Any, TypeAdapter[Any]] = {}


def parse_as(cast_to: Any, data: Any) -> Any:
    adapter = _adapters.get(cast_to)
    if adapter is None:
        adapter = _adapters[cast_to] = TypeAdapter(cast_to)
    return adapter.validate_python(data)


class BaseClient:
    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int,
        initial_retry_delay: float,
        max_retry_delay: float,
        default_headers: Mapping[str, str] | None,
    ) -> None:
        api_key = api_key if api_key is not None else os.environ.get("FAKTURA_API_KEY")
        if not api_key:
            raise FakturaError(
                "No API key: pass api_key=… or set FAKTURA_API_KEY (fk_test_… or fk_live_…)"
            )
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        self.api_key = api_key
        self.base_url = (base_url or os.environ.get("FAKTURA_BASE_URL") or DEFAULT_BASE_URL).rstrip(
            "/"
        )
        self.timeout = timeout
        self.max_retries = max_retries
        self.initial_retry_delay = initial_retry_delay
        self.max_retry_delay = max_retry_delay
        self.default_headers = dict(default_headers or {})
        self._last_response: contextvars.ContextVar[APIResponse | None] = contextvars.ContextVar(
            f"faktura_last_response_{id(self)}", default=None
        )

    @property
    def livemode(self) -> bool:
        """True for a live key (`fk_live_…`), False for a test key (`fk_test_…`)."""
        if self.api_key.startswith("fk_live_"):
            return True
        if self.api_key.startswith("fk_test_"):
            return False
        raise ValueError("The API key is neither fk_live_… nor fk_test_…")

    @property
    def last_response(self) -> APIResponse | None:
        """The response to the last call made in this thread or asyncio task: its status,
        headers (`X-Request-Id`, rate limits, `Idempotent-Replayed`) and how many attempts
        it took."""
        return self._last_response.get()

    def _headers(
        self, method: str, idempotency_key: str | None, options: RequestOptions, has_body: bool
    ) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {self.api_key}",
            "Accept": "application/json",
            "User-Agent": f"faktura-sdk-python/{__version__}",
            **self.default_headers,
        }
        if has_body:
            headers["Content-Type"] = "application/json"
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        headers.update(options.get("extra_headers") or {})
        return headers

    def _prepare(
        self,
        method: str,
        path: str,
        query: Mapping[str, Any] | None,
        body: Mapping[str, Any] | WholeBody | None,
        body_required: bool,
        options: RequestOptions,
    ) -> tuple[str, dict[str, Any], bytes | None, dict[str, str], str | None]:
        unknown = set(options) - set(RequestOptions.__annotations__)
        if unknown:
            raise TypeError(f"unexpected keyword argument(s): {', '.join(sorted(unknown))}")
        params = {k: _json.query_value(v) for k, v in clean(query or {}).items()}
        params.update(
            {k: _json.query_value(v) for k, v in (options.get("extra_query") or {}).items()}
        )
        payload: Any
        if isinstance(body, WholeBody):
            payload = body.value
            content = None if payload is NOT_GIVEN else _json.dumps(payload)
        else:
            payload = clean(body or {})
            payload.update(options.get("extra_body") or {})
            content = _json.dumps(payload) if payload or body_required else None
        idempotency_key = None
        if method == "POST":
            idempotency_key = options.get("idempotency_key") or f"sdk-{uuid.uuid4()}"
        headers = self._headers(method, idempotency_key, options, content is not None)
        return self.base_url + path, params, content, headers, idempotency_key

    def _timeout(self, options: RequestOptions) -> Any:
        return options.get("timeout", self.timeout)

    def _should_retry(self, response: httpx.Response, error: FakturaError) -> bool:
        status = response.status_code
        if status == 429 or status >= 500:
            after = retry_after_seconds(response.headers)
            return after is None or after <= MAX_RETRY_AFTER
        return status == 409 and error.code == "conflict"

    def _retry_delay(self, attempt: int, response: httpx.Response | None) -> float:
        if response is not None:
            after = retry_after_seconds(response.headers)
            if after is not None:
                return after
        delay = min(self.initial_retry_delay * 2**attempt, self.max_retry_delay)
        jitter = 1 - 0.25 * random.random()  # noqa: S311 - jitter, not a secret
        return float(delay * jitter)

    def _result(self, operation_id: str, response: httpx.Response, cast_to: Any) -> Any:
        if cast_to is bytes:
            return response.content
        if cast_to is str:
            return response.text
        if not response.content:
            return None
        return parse_as(cast_to, _json.loads(response.content))

    def _error(self, response: httpx.Response) -> FakturaError:
        try:
            body = _json.loads(response.content) if response.content else None
        except ValueError:
            body = None
        return error_from_response(response, body)


class SyncAPIClient(BaseClient):
    def __init__(self, *, http_client: httpx.Client | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client()

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def request(
        self,
        operation_id: str,
        method: str,
        path: str,
        *,
        cast_to: Any,
        query: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | WholeBody | None = None,
        body_required: bool = False,
        options: RequestOptions,
    ) -> Any:
        response = self.send(operation_id, method, path, query, body, body_required, options)
        return self._result(operation_id, response, cast_to)

    def send(
        self,
        operation_id: str,
        method: str,
        path: str,
        query: Mapping[str, Any] | None,
        body: Mapping[str, Any] | WholeBody | None,
        body_required: bool,
        options: RequestOptions,
    ) -> httpx.Response:
        url, params, content, headers, idempotency_key = self._prepare(
            method, path, query, body, body_required, options
        )
        retries = options.get("max_retries", self.max_retries)
        attempt = 0
        while True:
            request = self._http.build_request(
                method,
                url,
                params=params,
                content=content,
                headers=headers,
                timeout=self._timeout(options),
            )
            try:
                response = self._http.send(request)
            except httpx.TransportError as exc:
                if attempt < retries and isinstance(exc, RETRYABLE_TRANSPORT_ERRORS):
                    time.sleep(self._retry_delay(attempt, None))
                    attempt += 1
                    continue
                cls = (
                    APITimeoutError
                    if isinstance(exc, httpx.TimeoutException)
                    else APIConnectionError
                )
                raise cls(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
            self._last_response.set(
                APIResponse(operation_id, response, idempotency_key, attempt + 1)
            )
            if response.is_success:
                return response
            error = self._error(response)
            if attempt < retries and self._should_retry(response, error):
                time.sleep(self._retry_delay(attempt, response))
                attempt += 1
                continue
            raise error


class AsyncAPIClient(BaseClient):
    def __init__(self, *, http_client: httpx.AsyncClient | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient()

    async def close(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def request(
        self,
        operation_id: str,
        method: str,
        path: str,
        *,
        cast_to: Any,
        query: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | WholeBody | None = None,
        body_required: bool = False,
        options: RequestOptions,
    ) -> Any:
        response = await self.send(operation_id, method, path, query, body, body_required, options)
        return self._result(operation_id, response, cast_to)

    async def send(
        self,
        operation_id: str,
        method: str,
        path: str,
        query: Mapping[str, Any] | None,
        body: Mapping[str, Any] | WholeBody | None,
        body_required: bool,
        options: RequestOptions,
    ) -> httpx.Response:
        url, params, content, headers, idempotency_key = self._prepare(
            method, path, query, body, body_required, options
        )
        retries = options.get("max_retries", self.max_retries)
        attempt = 0
        while True:
            request = self._http.build_request(
                method,
                url,
                params=params,
                content=content,
                headers=headers,
                timeout=self._timeout(options),
            )
            try:
                response = await self._http.send(request)
            except httpx.TransportError as exc:
                if attempt < retries and isinstance(exc, RETRYABLE_TRANSPORT_ERRORS):
                    await asyncio.sleep(self._retry_delay(attempt, None))
                    attempt += 1
                    continue
                cls = (
                    APITimeoutError
                    if isinstance(exc, httpx.TimeoutException)
                    else APIConnectionError
                )
                raise cls(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
            self._last_response.set(
                APIResponse(operation_id, response, idempotency_key, attempt + 1)
            )
            if response.is_success:
                return response
            error = self._error(response)
            if attempt < retries and self._should_retry(response, error):
                await asyncio.sleep(self._retry_delay(attempt, response))
                attempt += 1
                continue
            raise error


__all__ = [
    "NOT_GIVEN",
    "APIResponse",
    "AsyncAPIClient",
    "NotGiven",
    "RequestOptions",
    "SyncAPIClient",
    "WholeBody",
    "clean",
    "parse_as",
    "path_param",
]
