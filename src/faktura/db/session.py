"""Engines and the unit of work: one transaction per request or job."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from faktura.core.jsoncodec import dumps, loads

SQLITE_BUSY_TIMEOUT_MS = 15_000


class FakturaSession(Session):
    """The ORM session of Faktura's transactions: what listens to sessions (the stored text of
    documents) listens to this class alone, not to every SQLAlchemy session of the process."""


def _configure_sqlite(engine: AsyncEngine) -> None:
    """WAL, a busy timeout, foreign keys, and transactions that say up front if they write.

    SQLite's deferred BEGIN lets two writers both read and then deadlock when they upgrade to a
    write lock (SQLITE_BUSY without waiting). Write transactions therefore begin IMMEDIATE: they
    queue on the busy timeout instead, which makes read-check-write sequences (numbering,
    idempotency, balances) safe. Read transactions stay deferred and never block writers (WAL).
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("faktura_writes", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _json_serializer(value: Any) -> str:
    return dumps(value).decode()


def create_engine(url: str, pool_size: int = 20) -> AsyncEngine:
    """JSON columns keep decimals exact (written as numbers, read back as Decimal).

    The pool keeps `pool_size` connections and opens up to half as many more at peaks. Those
    extra ones are closed when handed back, so a pool smaller than the requests a process
    serves at once opens and closes a PostgreSQL backend per request.

    Connections are handed out last-in first-out: after a burst, a lone client keeps getting
    the connection it just used (its statements already prepared by psycopg, which prepares
    one on its fifth run on a connection; its backend warm) instead of a different one of
    twenty each time. What both cost and saved is measured in docs/performance.md.
    """
    json_options: dict[str, Any] = {"json_serializer": _json_serializer, "json_deserializer": loads}
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **json_options
        )
        _configure_sqlite(engine)
        return engine
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max(1, pool_size // 2),
        pool_recycle=1800,
        pool_use_lifo=True,
        **json_options,
    )


@dataclass
class Database:
    """The engine and the two kinds of transaction the application opens."""

    engine: AsyncEngine

    def __post_init__(self) -> None:
        # SQLite has one writer at a time. Left to SQLite, a process's waiting writers poll the
        # lock in its busy handler, which is not first-come first-served: under load one of
        # two hundred concurrent requests could lose every race for the whole busy timeout
        # ("database is locked"). They queue here instead, in order and holding no pooled
        # connection; the busy timeout is left for writers of other processes (a CLI, a
        # worker) only.
        self._write_turn = asyncio.Lock() if self.engine.dialect.name == "sqlite" else None
        self._reader = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=FakturaSession
        )
        self._writer = async_sessionmaker(
            self.engine.execution_options(faktura_writes=True),
            expire_on_commit=False,
            sync_session_class=FakturaSession,
        )

    @asynccontextmanager
    async def transaction(self, *, writes: bool = True) -> AsyncIterator[AsyncSession]:
        """Commit when the block ends normally, roll back when it raises."""
        if not writes:
            async with self._reader() as session, session.begin():
                yield session
            return
        async with self._writing(), self._writer() as session, session.begin():
            yield session

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[None]:
        if self._write_turn is None:
            yield
            return
        async with self._write_turn:
            yield

    async def dispose(self) -> None:
        await self.engine.dispose()


def database_from_url(url: str, pool_size: int = 20) -> Database:
    return Database(create_engine(url, pool_size))
