"""SQLite: a process's writers take turns in order instead of racing in the busy handler."""

import asyncio

import pytest
from sqlalchemy import text

from faktura.db import session as db_session
from faktura.db.session import database_from_url

WRITERS = 40
HOLD_SECONDS = 0.05


async def test_many_writers_queue_in_order_past_the_busy_timeout(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forty writers that each hold the write lock for 50 ms need two seconds together, twice
    the busy timeout here: each still gets its turn, in the order it asked."""
    if not migrated_url.startswith("sqlite"):
        pytest.skip("PostgreSQL has row locks, not one writer at a time")
    monkeypatch.setattr(db_session, "SQLITE_BUSY_TIMEOUT_MS", 1000)
    db = database_from_url(migrated_url)
    order: list[int] = []

    async def write(index: int) -> None:
        async with db.transaction() as session:
            order.append(index)
            await session.execute(text("SELECT 1"))
            await asyncio.sleep(HOLD_SECONDS)

    async def in_turn(index: int) -> None:
        await asyncio.sleep(index * 0.001)  # ask in index order
        await write(index)

    try:
        await asyncio.gather(*(in_turn(index) for index in range(WRITERS)))
    finally:
        await db.dispose()

    assert order == list(range(WRITERS))
