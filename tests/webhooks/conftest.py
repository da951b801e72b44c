"""Fixtures of the webhook tests: an app that lets endpoints use 127.0.0.1, a real receiver,
a worker run in the test's own process, and a clock the test moves."""

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import update

from faktura.app import create_app
from faktura.config import Settings
from faktura.core.clock import set_clock
from faktura.db.session import Database
from faktura.jobs.kinds import Registry, registry
from faktura.webhooks.jobs import DELIVER
from faktura.webhooks.models import WebhookEndpoint
from faktura.worker.runner import JobWorker
from tests.accounts.factories import ApiClient, create_account_with_key
from tests.webhooks.receiver import Receiver

ALLOW = "127.0.0.1"


@pytest.fixture(scope="session")
def hooks_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "webhook_allow_hosts": ALLOW,
            "webhook_timeout_seconds": 2.0,
            "job_lease_seconds": 5.0,
        }
    )


@pytest.fixture(scope="session")
async def hooks_app(hooks_settings: Settings) -> AsyncIterator[tuple[object, Database]]:
    app = create_app(hooks_settings)
    yield app, app.state.runtime.db
    await app.state.runtime.db.dispose()


@pytest.fixture(scope="session")
async def hooks_http(hooks_app: tuple[object, Database]) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=hooks_app[0])  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://faktura.test") as client:
        yield client


@pytest.fixture
async def hooks_api(
    hooks_http: httpx.AsyncClient, hooks_app: tuple[object, Database]
) -> AsyncIterator[ApiClient]:
    """A fresh account on the app that allows 127.0.0.1. Its endpoints are switched off after
    the test, so no later worker run sends anything to a receiver that is gone."""
    db = hooks_app[1]
    api = await create_account_with_key(db, hooks_http)
    yield api
    async with db.transaction() as session:
        await session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.account_id == api.account_id)
            .values(is_active=False)
        )


@pytest.fixture
def hooks_db(hooks_app: tuple[object, Database]) -> Database:
    return hooks_app[1]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver().running() as running:
        yield running


@pytest.fixture
def worker(hooks_db: Database, hooks_settings: Settings) -> JobWorker:
    """Runs webhook deliveries only: other kinds (a PDF per document issued by earlier tests)
    are not what these tests watch."""
    only = Registry()
    only.register(registry.get(DELIVER.name))
    return JobWorker(hooks_db, hooks_settings, kinds=only)


@pytest.fixture
def clock() -> Iterator[list[datetime]]:
    """Now, frozen; the test moves it by setting now[0]."""
    now = [datetime.now(UTC)]
    set_clock(lambda: now[0])
    yield now
    set_clock(None)
