"""/metrics shows the job queue: depth, the oldest due job's age, failures per kind."""

import uuid
from datetime import datetime, timedelta

import httpx

from faktura.config import Settings
from faktura.db.session import Database
from faktura.jobs import service
from faktura.jobs.kinds import JobContext, JobKind, Registry
from faktura.worker.runner import JobWorker


async def _broken(ctx: JobContext) -> None:
    raise ValueError("broken")


def _line(text: str, prefix: str) -> str:
    [line] = [line for line in text.splitlines() if line.startswith(prefix)]
    return line


async def test_metrics_show_depth_age_and_failures_per_kind(
    http: httpx.AsyncClient, db: Database, settings: Settings, clock: list[datetime]
) -> None:
    waiting = f"test.{uuid.uuid4().hex[:12]}"
    failing = JobKind(f"test.{uuid.uuid4().hex[:12]}", _broken, max_attempts=2)
    async with db.transaction() as session:
        service.enqueue(session, waiting, {})  # due now
        service.enqueue(session, waiting, {})
        service.enqueue(session, waiting, {}, run_at=clock[0] + timedelta(hours=1))
        service.enqueue(session, failing.name, {})
        service.enqueue(session, failing.name, {})
    only = Registry()
    only.register(failing)
    await JobWorker(db, settings, kinds=only).run_once()  # both fail once and wait to retry
    clock[0] += timedelta(seconds=90)

    text = (await http.get("/metrics")).text

    assert _line(text, f'faktura_jobs{{kind="{waiting}",status="queued"}}').endswith(" 3.0")
    assert _line(text, f'faktura_jobs_oldest_due_seconds{{kind="{waiting}"}}').endswith(" 90.0")
    assert _line(text, f'faktura_jobs_retrying{{kind="{waiting}"}}').endswith(" 0.0")
    assert _line(text, f'faktura_jobs{{kind="{failing.name}",status="queued"}}').endswith(" 2.0")
    assert _line(text, f'faktura_jobs_retrying{{kind="{failing.name}"}}').endswith(" 2.0")
    # Retried after 10 s: due again, and waiting for 80 s by now.
    assert _line(text, f'faktura_jobs_oldest_due_seconds{{kind="{failing.name}"}}').endswith(
        " 80.0"
    )
