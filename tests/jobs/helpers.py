"""Running a job kind now, in the test's process, as the worker would."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, or_, update

from faktura.config import Settings
from faktura.db.session import Database
from faktura.jobs import service
from faktura.jobs.kinds import Registry, registry
from faktura.jobs.models import Job
from faktura.worker.runner import JobWorker, RunOutcome


async def run_kind_now(db: Database, settings: Settings, kind: str) -> dict[str, Any]:
    """Enqueue one job of `kind` and run it (and only jobs of that kind); return its report.

    Periodic kinds are enqueued once per period by the scheduler; a test runs one directly so
    that another test's run in the same period cannot stand in for it.
    """
    only = Registry()
    only.register(registry.get(kind))
    async with db.transaction() as session:
        service.enqueue(session, kind, {})
    outcomes = await JobWorker(db, settings, kinds=only).run_once()
    assert [outcome.status for outcome in outcomes] == ["succeeded"], outcomes
    return outcomes[0].result or {}


async def put_off(db: Database, kind: str, account_id: uuid.UUID, *, every_kind: bool) -> None:
    """Queued jobs of `kind` that are not the account's wait for ever — with `every_kind`,
    queued jobs of every other kind too. Earlier tests leave their jobs queued (a PDF per
    document they issued); a test runs only its own."""
    others = Job.account_id != account_id
    others = or_(Job.kind != kind, others) if every_kind else and_(Job.kind == kind, others)
    async with db.transaction() as session:
        await session.execute(
            update(Job)
            .where(Job.status == "queued", others)
            .values(run_at=datetime(9999, 1, 1, tzinfo=UTC))
        )


async def due_now(db: Database, kind: str, account_id: uuid.UUID) -> None:
    """The account's queued jobs of `kind` are due now, not after their back-off."""
    async with db.transaction() as session:
        await session.execute(
            update(Job)
            .where(Job.account_id == account_id, Job.kind == kind, Job.status == "queued")
            .values(run_at=datetime(2000, 1, 1, tzinfo=UTC))
        )


async def run_account_jobs(
    db: Database, settings: Settings, kind: str, account_id: uuid.UUID
) -> list[RunOutcome]:
    """Run the account's due jobs of `kind` (and no other kind, nor another account's), as a
    worker would."""
    await put_off(db, kind, account_id, every_kind=False)
    only = Registry()
    only.register(registry.get(kind))
    return await JobWorker(db, settings, kinds=only).run_once()
