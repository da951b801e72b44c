"""The raw-driver ceilings: bench/ceiling.py's row endpoints with the database driver alone.

The same FastAPI app, the same Pydantic bodies, the same table and the same transactions as the
SQLAlchemy ceiling — a select by primary key in a read transaction, a one-row insert in a write
transaction (`BEGIN IMMEDIATE` on SQLite) — with only SQLAlchemy taken out: statements are
written by hand and run on the driver's own connection, from a last-in first-out pool of
`FAKTURA_DATABASE_POOL_SIZE` connections (the engine's pool size and order). The SQLAlchemy
ceiling divided by these is what the engine, the ORM and its type conversions cost per request.

- GET  /rows/{id}   select one row by primary key in a read transaction;
- POST /rows        insert one row in a write transaction and return it.

Run: uvicorn ceiling_raw:create_asyncpg_app --factory --app-dir bench (or create_psycopg_app on
PostgreSQL, create_aiosqlite_app on SQLite), FAKTURA_DATABASE_URL set.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from ceiling import RowIn, RowOut
from fastapi import FastAPI, HTTPException

from faktura.config import Settings
from faktura.core.clock import utcnow
from faktura.core.ids import uuid7

TABLE = "bench_ceiling_rows"
SCALE = 4  # ExactDecimal's: SQLite keeps amounts as integers of 1/10,000
Connection = TypeVar("Connection")


class Pool(Generic[Connection]):
    """At most `size` connections, opened when first needed, the last one returned handed out
    first — what the engine's pool does with `pool_use_lifo`, less everything else."""

    def __init__(
        self,
        connect: Callable[[], Awaitable[Connection]],
        close: Callable[[Connection], Awaitable[Any]],
        size: int,
    ):
        self._connect, self._close = connect, close
        self._slots = asyncio.Semaphore(size)
        self._idle: list[Connection] = []

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        async with self._slots:
            connection = self._idle.pop() if self._idle else await self._connect()
            try:
                yield connection
            except BaseException:
                await self._close(connection)  # its state is unknown: not handed out again
                raise
            self._idle.append(connection)

    async def dispose(self) -> None:
        while self._idle:
            await self._close(self._idle.pop())


def _libpq_url(url: str) -> str:
    """postgresql+psycopg://… → postgresql://…, what both drivers take."""
    scheme, rest = url.split("://", 1)
    return f"{scheme.split('+', 1)[0]}://{rest}"


def _app(
    pool: Pool[Any],
    select_row: Callable[[Any, uuid.UUID], Awaitable[RowOut | None]],
    insert_row: Callable[[Any, RowOut], Awaitable[None]],
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await pool.dispose()

    app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/rows", status_code=201)
    async def insert(body: RowIn) -> RowOut:
        row = RowOut(id=uuid7(), name=body.name, amount=body.amount, created_at=utcnow())
        async with pool.connection() as connection:
            await insert_row(connection, row)
        return row

    @app.get("/rows/{row_id}")
    async def select(row_id: uuid.UUID) -> RowOut:
        async with pool.connection() as connection:
            row = await select_row(connection, row_id)
        if row is None:
            raise HTTPException(404)
        return row

    return app


_SELECT_PG = f"SELECT id, name, amount, created_at FROM {TABLE} WHERE id = $1"  # noqa: S608
_INSERT_PG = f"INSERT INTO {TABLE} (id, name, amount, created_at) VALUES ($1, $2, $3, $4)"  # noqa: S608


def create_asyncpg_app() -> FastAPI:
    import asyncpg

    settings = Settings()
    url = _libpq_url(settings.database_url)

    async def select_row(connection: Any, row_id: uuid.UUID) -> RowOut | None:
        async with connection.transaction():
            record = await connection.fetchrow(_SELECT_PG, row_id)
        return None if record is None else RowOut(**record)

    async def insert_row(connection: Any, row: RowOut) -> None:
        async with connection.transaction():
            await connection.execute(_INSERT_PG, row.id, row.name, row.amount, row.created_at)

    pool: Pool[Any] = Pool(
        lambda: asyncpg.connect(url), lambda c: c.close(), settings.database_pool_size
    )
    return _app(pool, select_row, insert_row)


def create_psycopg_app() -> FastAPI:
    import psycopg
    from psycopg.rows import dict_row

    settings = Settings()
    url = _libpq_url(settings.database_url)
    select_sql = _SELECT_PG.replace("$1", "%s")
    insert_sql = _INSERT_PG.replace("$1", "%s").replace("$2", "%s").replace("$3", "%s")
    insert_sql = insert_sql.replace("$4", "%s")

    async def select_row(connection: Any, row_id: uuid.UUID) -> RowOut | None:
        # Not autocommit: psycopg opens the transaction before the first statement, as under
        # SQLAlchemy, and the commit ends it.
        cursor = await connection.execute(select_sql, (row_id,))
        record = await cursor.fetchone()
        await connection.commit()
        return None if record is None else RowOut(**record)

    async def insert_row(connection: Any, row: RowOut) -> None:
        await connection.execute(insert_sql, (row.id, row.name, row.amount, row.created_at))
        await connection.commit()

    async def connect() -> Any:
        return await psycopg.AsyncConnection.connect(url, row_factory=dict_row)

    pool: Pool[Any] = Pool(connect, lambda c: c.close(), settings.database_pool_size)
    return _app(pool, select_row, insert_row)


def create_aiosqlite_app() -> FastAPI:
    """SQLite as Faktura opens it (faktura.db.session): WAL, the same busy timeout, foreign
    keys, synchronous=NORMAL; writes begin IMMEDIATE, reads deferred. Values are stored as
    SQLAlchemy's types store them there: the id as 32 hex digits, the amount as an integer of
    1/10,000, the time as naive UTC text."""
    import aiosqlite

    from faktura.db.session import SQLITE_BUSY_TIMEOUT_MS

    settings = Settings()
    path = settings.database_url.split("///", 1)[1]
    select_sql = f"SELECT name, amount, created_at FROM {TABLE} WHERE id = ?"  # noqa: S608
    insert_sql = f"INSERT INTO {TABLE} (id, name, amount, created_at) VALUES (?, ?, ?, ?)"  # noqa: S608

    async def connect() -> Any:
        connection = await aiosqlite.connect(
            path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, isolation_level=None
        )
        for pragma in (
            "PRAGMA journal_mode=WAL",
            f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
            "PRAGMA foreign_keys=ON",
            "PRAGMA synchronous=NORMAL",
        ):
            await connection.execute(pragma)
        return connection

    async def select_row(connection: Any, row_id: uuid.UUID) -> RowOut | None:
        await connection.execute("BEGIN")
        try:
            async with connection.execute(select_sql, (row_id.hex,)) as cursor:
                record = await cursor.fetchone()
        finally:
            await connection.execute("COMMIT")
        if record is None:
            return None
        name, amount, created_at = record
        return RowOut(
            id=row_id,
            name=name,
            amount=Decimal(amount).scaleb(-SCALE),
            created_at=datetime.fromisoformat(created_at).replace(tzinfo=UTC),
        )

    async def insert_row(connection: Any, row: RowOut) -> None:
        stored_at = row.created_at.astimezone(UTC).replace(tzinfo=None)
        await connection.execute("BEGIN IMMEDIATE")
        try:
            await connection.execute(
                insert_sql,
                (
                    row.id.hex,
                    row.name,
                    int(row.amount.scaleb(SCALE)),
                    stored_at.isoformat(sep=" ", timespec="microseconds"),
                ),
            )
        except BaseException:
            await connection.execute("ROLLBACK")
            raise
        await connection.execute("COMMIT")

    pool: Pool[Any] = Pool(connect, lambda c: c.close(), settings.database_pool_size)
    return _app(pool, select_row, insert_row)
