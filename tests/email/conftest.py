"""Fixtures of the email tests: a real SMTP server on loopback for test-mode mail, and the
delivery job run as a worker would run it."""

import uuid
from collections.abc import Iterator

import pytest

from faktura.config import Settings
from faktura.db.session import Database
from faktura.email.jobs import DELIVER
from faktura.worker.runner import RunOutcome
from tests.email.sink import Sink, running_sink
from tests.jobs.helpers import run_account_jobs


@pytest.fixture(scope="session")
def sink() -> Iterator[Sink]:
    """One server for the session; each test sends to addresses of its own."""
    with running_sink() as running:
        yield running


@pytest.fixture(scope="session")
def mail_settings(settings: Settings, sink: Sink) -> Settings:
    return settings.model_copy(update={"test_smtp_url": sink.url, "smtp_timeout_seconds": 5.0})


async def run_mail_jobs(
    db: Database, settings: Settings, account_id: uuid.UUID
) -> list[RunOutcome]:
    """Run the account's due deliveries (and no other kind, nor another account's)."""
    return await run_account_jobs(db, settings, DELIVER.name, account_id)
