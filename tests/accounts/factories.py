"""Accounts and keys for tests, made through the same functions the routes and the CLI use."""

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from faktura.accounts.api_keys import issue_api_key
from faktura.accounts.service import create_account
from faktura.db.session import Database


@dataclass
class ApiClient:
    """Calls the API with one key; `headers` are added to every request."""

    http: httpx.AsyncClient
    key: str
    account_id: uuid.UUID
    headers: dict[str, str] = field(default_factory=dict)

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}", **self.headers, **(extra or {})}

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.get(
            path, headers=self._headers(kwargs.pop("headers", None)), **kwargs
        )

    async def post(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return await self.http.post(
            path, json=json, headers=self._headers(kwargs.pop("headers", None)), **kwargs
        )

    async def patch(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return await self.http.patch(
            path, json=json, headers=self._headers(kwargs.pop("headers", None)), **kwargs
        )

    async def put(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return await self.http.put(
            path, json=json, headers=self._headers(kwargs.pop("headers", None)), **kwargs
        )

    async def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.delete(
            path, headers=self._headers(kwargs.pop("headers", None)), **kwargs
        )

    def with_key(self, key: str) -> "ApiClient":
        return ApiClient(self.http, key, self.account_id)


async def add_key(
    db: Database,
    account_id: uuid.UUID,
    *,
    livemode: bool = False,
    scopes: list[str] | None = None,
    plan: str = "unlimited",
    name: str = "test key",
) -> str:
    async with db.transaction() as session:
        issued = await issue_api_key(
            session,
            account_id=account_id,
            livemode=livemode,
            name=name,
            scopes=scopes or ["*"],
            plan=plan,
        )
    return issued.secret


async def create_account_with_key(
    db: Database,
    http: httpx.AsyncClient,
    *,
    name: str = "Acme Ltd",
    currency: str = "ILS",
    country: str | None = None,
    livemode: bool = False,
    scopes: list[str] | None = None,
    plan: str = "unlimited",
) -> ApiClient:
    async with db.transaction() as session:
        account = await create_account(session, name=name, currency=currency, country=country)
    key = await add_key(db, account.id, livemode=livemode, scopes=scopes, plan=plan)
    return ApiClient(http, key, account.id)
