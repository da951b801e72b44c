"""One transaction per request, safe under concurrent writers on both databases."""

import asyncio

from sqlalchemy import func, select

from faktura.accounts.models import ApiKey
from faktura.db.session import Database
from faktura.events.models import Event
from tests.accounts.factories import ApiClient


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
