"""The connection pool, on the real PostgreSQL server."""

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.db.session import Database

BURST = 4


async def _pid(session: AsyncSession) -> int:
    pid: int = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    return pid


async def _backend(db: Database) -> int:
    async with db.transaction(writes=False) as session:
        return await _pid(session)


async def _burst(db: Database) -> set[int]:
    """BURST transactions open at once, so the pool holds BURST connections after them."""
    inside: list[int] = []
    everyone_in = asyncio.Event()

    async def one() -> int:
        async with db.transaction(writes=False) as session:
            pid = await _pid(session)
            inside.append(pid)
            if len(inside) == BURST:
                everyone_in.set()
            await everyone_in.wait()
        return pid

    return set(await asyncio.wait_for(asyncio.gather(*(one() for _ in range(BURST))), 30))


async def test_a_lone_client_after_a_burst_keeps_one_connection(standalone_db: Database) -> None:
    """Last in, first out: not a different pooled connection (cold, unprepared) each time."""
    if standalone_db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server connections to reuse")
    opened = await _burst(standalone_db)

    lone = [await _backend(standalone_db) for _ in range(6)]

    assert len(opened) == BURST
    assert len(set(lone)) == 1
    assert lone[0] in opened
