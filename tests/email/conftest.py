"""Fixtures of the email tests: a real SMTP server on loopback for test-mode mail, and the
delivery job run as a worker would run it."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from faktura.config import Settings
from faktura.db.session import Database
from faktura.email.jobs import DELIVER
from faktura.jobs.kinds import Registry, registry
from faktura.jobs.models import Job
from faktura.worker.runner import JobWorker, RunOutcome
from tests.email.sink import Sink, running_sink


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
    async with db.transaction() as session:
        await session.execute(
            update(Job)
            .where(Job.kind == DELIVER.name, Job.status == "queued", Job.account_id != account_id)
            .values(run_at=datetime(9999, 1, 1, tzinfo=UTC))
        )
    only = Registry()
    only.register(registry.get(DELIVER.name))
    return await JobWorker(db, settings, kinds=only).run_once()
