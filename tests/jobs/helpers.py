"""Running a job kind now, in the test's process, as the worker would."""

from typing import Any

from faktura.config import Settings
from faktura.db.session import Database
from faktura.jobs import service
from faktura.jobs.kinds import Registry, registry
from faktura.worker.runner import JobWorker


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
