"""Engines and the unit of work: one transaction per request or job."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from faktura.core.jsoncodec import dumps, loads
from faktura.db.urls import async_database_url

if TYPE_CHECKING:
    from faktura.config import Settings

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


@dataclass(frozen=True, slots=True)
class Timeouts:
    """How long PostgreSQL may take: to connect, to run one statement (0: no limit), and how long
    a request waits for a pooled connection. A database that does not answer costs a request
    these seconds and a 503, never an open-ended wait."""

    connect: float = 5
    statement: float = 30
    pool: float = 10


def create_engine(url: str, pool_size: int = 20, timeouts: Timeouts = Timeouts()) -> AsyncEngine:
    """JSON columns keep decimals exact (written as numbers, read back as Decimal).

    The pool keeps `pool_size` connections and opens up to half as many more at peaks. Those
    extra ones are closed when handed back, so a pool smaller than the requests a process
    serves at once opens and closes a PostgreSQL backend per request.

    Connections are handed out last-in first-out: after a burst, a lone client keeps getting
    the connection it just used (its statements already prepared by psycopg, which prepares
    one on its fifth run on a connection; its backend warm) instead of a different one of
    twenty each time. What both cost and saved is measured in docs/performance.md.
    """
    url = async_database_url(url)
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
        pool_timeout=timeouts.pool,
        connect_args={
            "connect_timeout": max(1, round(timeouts.connect)),
            "options": f"-c statement_timeout={round(timeouts.statement * 1000)}",
        },
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
        # Both kinds say what they are: a read transaction must not write (on SQLite it could
        # not become a writer once another connection has written since it began).
        self._reader = async_sessionmaker(
            self.engine.execution_options(faktura_writes=False),
            expire_on_commit=False,
            sync_session_class=FakturaSession,
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


def database_from_url(url: str, pool_size: int = 20, timeouts: Timeouts = Timeouts()) -> Database:
    return Database(create_engine(url, pool_size, timeouts))


def database_from_settings(settings: "Settings", pool_size: int | None = None) -> Database:
    """The database the settings name, with their pool size (unless given) and timeouts."""
    timeouts = Timeouts(
        connect=settings.database_connect_timeout_seconds,
        statement=settings.database_statement_timeout_seconds,
        pool=settings.database_pool_timeout_seconds,
    )
    return database_from_url(
        settings.database_url, pool_size or settings.database_pool_size, timeouts
    )
