"""Test setup: a real database built by Alembic (SQLite, or PostgreSQL when
FAKTURA_TEST_DATABASE_URL is set), the real app over ASGI, and helpers to call it.

Tests do not share rows: each one makes its own account(s), and every query in Faktura is
scoped to one account and mode. Changes are really committed, which is what lets the tests
prove "an event exists if and only if its change committed".
"""

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from faktura.app import create_app
from faktura.config import Settings
from faktura.core.clock import set_clock
from faktura.db.migrate import upgrade_to_head
from faktura.db.session import Database, database_from_url
from tests import declared, emitted, read_only
from tests.accounts.factories import ApiClient, create_account_with_key
from tests.documents.factories import assert_documents_rendered


def pytest_sessionfinish(session: pytest.Session) -> None:
    emitted.hand_over(session)
    emitted.check(session)


@pytest.hookimpl(optionalhook=True)  # an xdist hook: the controller hears of each worker's end
def pytest_testnodedown(node: object) -> None:
    emitted.collect(node)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _postgres_url(base_url: str) -> str:
    """A database of this xdist worker's own, made fresh from the configured server."""
    url = make_url(base_url)
    name = f"{url.database}_{_worker()}"
    admin = url.set(drivername="postgresql", database="postgres")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(autouse=True)
def no_writes_in_read_transactions() -> Iterator[None]:
    read_only.taken()
    yield
    assert read_only.taken() == [], "a read transaction wrote (tests/read_only.py)"


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    base = os.environ.get("FAKTURA_TEST_DATABASE_URL")
    if base:
        yield _postgres_url(base)
        return
    with tempfile.TemporaryDirectory(prefix="faktura-test-") as directory:
        yield f"sqlite+aiosqlite:///{Path(directory) / f'faktura-{_worker()}.db'}"


@pytest.fixture(scope="session")
def migrated_url(database_url: str) -> str:
    upgrade_to_head(database_url)
    return database_url


@pytest.fixture(scope="session")
def settings(migrated_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        database_url=migrated_url,
        redis_url=None,
        default_plan="unlimited",
        files_dir=tmp_path_factory.mktemp("files"),
        clearance_allow_base_url=True,  # the tests' authorities are on loopback
    )


@pytest.fixture(scope="session")
async def app_and_db(settings: Settings) -> AsyncIterator[tuple[object, Database]]:
    app = create_app(settings)
    yield app, app.state.runtime.db
    await app.state.runtime.db.dispose()


@pytest.fixture(scope="session")
def db(app_and_db: tuple[object, Database]) -> Database:
    return app_and_db[1]


@pytest.fixture(scope="session")
async def http(app_and_db: tuple[object, Database]) -> AsyncIterator[httpx.AsyncClient]:
    app = app_and_db[0]
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    hooks = {"response": [declared.checker(app.openapi())]}  # type: ignore[attr-defined]
    async with httpx.AsyncClient(
        transport=transport, base_url="http://faktura.test", event_hooks=hooks
    ) as client:
        yield client


@pytest.fixture
async def api(http: httpx.AsyncClient, db: Database) -> AsyncIterator[ApiClient]:
    """A client with a fresh account and an all-scopes test-mode key. After the test, every
    document of the account must hold the text the API shows for it (documents/output.py)."""
    client = await create_account_with_key(db, http)
    yield client
    await assert_documents_rendered(db, client.account_id)


@pytest.fixture
async def standalone_db(migrated_url: str) -> AsyncIterator[Database]:
    database = database_from_url(migrated_url)
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> Iterator[list[datetime]]:
    """A clock the test moves by setting now[0]; it starts at 2026-03-01 09:00 UTC."""
    now = [datetime(2026, 3, 1, 9, 0, tzinfo=UTC)]
    set_clock(lambda: now[0])
    yield now
    set_clock(None)
