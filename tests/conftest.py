"""Test setup: a real database built by Alembic (SQLite, or PostgreSQL when
FAKTURA_TEST_DATABASE_URL is set), the real app over ASGI, and helpers to call it.

Tests do not share rows: each one makes its own account(s), and every query in Faktura is
scoped to one account and mode. Changes are really committed, which is what lets the tests
prove "an event exists if and only if its change committed".
"""

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from faktura.app import create_app
from faktura.config import Settings
from faktura.db.migrate import upgrade_to_head
from faktura.db.session import Database, database_from_url
from tests.accounts.factories import ApiClient, create_account_with_key


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
def settings(migrated_url: str) -> Settings:
    return Settings(database_url=migrated_url, redis_url=None, default_plan="unlimited")


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
    transport = httpx.ASGITransport(app=app_and_db[0])  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://faktura.test") as client:
        yield client


@pytest.fixture
async def api(http: httpx.AsyncClient, db: Database) -> ApiClient:
    """A client with a fresh account and an all-scopes test-mode key."""
    return await create_account_with_key(db, http)


@pytest.fixture
async def standalone_db(migrated_url: str) -> AsyncIterator[Database]:
    database = database_from_url(migrated_url)
    yield database
    await database.dispose()
