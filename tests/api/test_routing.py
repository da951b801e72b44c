"""One transaction per request, safe under concurrent writers on both databases."""

import asyncio

import httpx
from fastapi import APIRouter, Depends
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from faktura.accounts.models import ApiKey
from faktura.api.auth import Principal
from faktura.api.responses import json_response
from faktura.api.routing import ApiRoute, get_session, require_scope
from faktura.app import create_app
from faktura.config import Settings
from faktura.core.clock import utcnow
from faktura.db.session import Database
from faktura.events.models import Event
from tests.accounts.factories import ApiClient
from tests.assertions import assert_error


async def test_concurrent_writes_all_commit(api: ApiClient, db: Database) -> None:
    responses = await asyncio.gather(
        *(api.post("/v1/api_keys", json={"name": f"k{i}"}) for i in range(30)),
        *(api.patch("/v1/account", json={"phone": f"+972-{i}"}) for i in range(10)),
    )

    assert [r.status_code for r in responses] == [201] * 30 + [200] * 10
    async with db.transaction(writes=False) as session:
        keys = (
            await session.execute(
                select(func.count()).select_from(ApiKey).where(ApiKey.account_id == api.account_id)
            )
        ).scalar_one()
        events = (
            await session.execute(
                select(func.count()).select_from(Event).where(Event.account_id == api.account_id)
            )
        ).scalar_one()
    assert keys == 31
    assert events == 20  # account.updated is announced in live and test mode


async def test_last_used_at_is_recorded_once_a_minute(api: ApiClient, db: Database) -> None:
    for _ in range(3):
        assert (await api.get("/v1/account")).status_code == 200

    async with db.transaction(writes=False) as session:
        key = (
            await session.execute(select(ApiKey).where(ApiKey.account_id == api.account_id))
        ).scalar_one()
    assert key.last_used_at is not None
    first_use = key.last_used_at
    await api.get("/v1/account")
    async with db.transaction(writes=False) as session:
        again = (
            await session.execute(select(ApiKey.last_used_at).where(ApiKey.id == key.id))
        ).scalar_one()
    assert again == first_use


def _key_copy(key: ApiKey, name: str, key_hash: str) -> ApiKey:
    return ApiKey(
        account_id=key.account_id,
        livemode=key.livemode,
        name=name,
        redacted="fk_test_…",
        key_hash=key_hash,
        scopes=[],
        plan=key.plan,
        created_at=utcnow(),
    )


async def test_a_unique_violation_at_commit_answers_409_and_keeps_nothing(
    api: ApiClient, db: Database, settings: Settings
) -> None:
    """Writes a route leaves to the commit can meet a unique constraint there (a concurrent
    request was first): the answer is the API's 409, not a 500, and none of them is kept."""
    app = create_app(settings)
    router = APIRouter(prefix="/v1", route_class=ApiRoute)

    @router.post("/probe/duplicate")
    async def duplicate(
        principal: Principal = Depends(require_scope("keys:write")),
        session: AsyncSession = Depends(get_session),
    ) -> Response:
        key = await session.get_one(ApiKey, principal.key_id)
        session.add(_key_copy(key, "kept?", "0" * 64))
        session.add(_key_copy(key, "duplicate", key.key_hash))  # the caller's own key's hash
        return json_response({"ok": True}, status_code=201)

    @router.post("/probe/null")
    async def null(
        principal: Principal = Depends(require_scope("keys:write")),
        session: AsyncSession = Depends(get_session),
    ) -> Response:
        key = await session.get_one(ApiKey, principal.key_id)
        broken = _key_copy(key, "no plan", "1" * 64)
        broken.plan = None  # type: ignore[assignment]
        session.add(broken)
        return json_response({"ok": True}, status_code=201)

    app.include_router(router)
    headers = {"Authorization": f"Bearer {api.key}"}
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            conflict = await client.post("/v1/probe/duplicate", headers=headers)
            broken = await client.post("/v1/probe/null", headers=headers)
    finally:
        await app.state.runtime.db.dispose()

    assert_error(conflict, 409, "conflict")
    assert_error(broken, 500, "internal_error")  # a bug stays a bug, not a conflict
    async with db.transaction(writes=False) as session:
        names = (
            await session.execute(select(ApiKey.name).where(ApiKey.account_id == api.account_id))
        ).scalars()
        assert sorted(names) == ["test key"]
