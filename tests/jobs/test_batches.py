"""Kinds run in batches: claimed together, each job still ended on its own."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from faktura.config import Settings
from faktura.db.session import Database
from faktura.jobs import service
from faktura.jobs.kinds import JobBatch, JobContext, JobKind, Registry
from faktura.jobs.models import Job
from faktura.worker.runner import JobWorker


def _name() -> str:
    return f"test.{uuid.uuid4().hex[:12]}"


async def _single(ctx: JobContext) -> None:
    pass


async def _jobs(db: Database, kind: str) -> list[Job]:
    async with db.transaction(writes=False) as session:
        found = await session.execute(select(Job).where(Job.kind == kind).order_by(Job.id))
        return list(found.scalars().all())


async def _enqueue(db: Database, kind: str, count: int) -> None:
    async with db.transaction() as session:
        for n in range(count):
            service.enqueue(session, kind, {"n": n})


def _worker(db: Database, settings: Settings, *kinds: JobKind) -> JobWorker:
    registry = Registry()
    for kind in kinds:
        registry.register(kind)
    return JobWorker(db, settings, kinds=registry)


async def test_due_jobs_of_a_batched_kind_are_claimed_together_up_to_its_batch_size(
    db: Database,
) -> None:
    batched, single = _name(), _name()
    await _enqueue(db, batched, 5)
    await _enqueue(db, single, 2)
    attempts = {batched: 3, single: 3}

    async with db.transaction() as session:
        runs, given_up = await service.claim_runs(
            session, attempts, {batched: 2}, runs=10, lease=timedelta(minutes=1)
        )

    assert given_up == 0
    assert sorted((run[0].kind, len(run)) for run in runs) == sorted(
        [(batched, 2), (batched, 2), (batched, 1), (single, 1), (single, 1)]
    )
    assert {job.status for run in runs for job in run} == {"running"}


async def test_each_job_of_a_batch_ends_as_its_run_said(
    db: Database, settings: Settings, clock: list[datetime]
) -> None:
    """Done, failed (its back-off), given back (due at once, the claim uncounted), to run
    again later, and, unsaid, done: one call, five outcomes."""
    seen: list[list[int]] = []

    async def handler(batch: JobBatch) -> None:
        seen.append([run.payload["n"] for run in batch.runs])
        if len(batch.runs) == 1:
            return  # the one given back, run again
        by_n = {run.payload["n"]: run for run in batch.runs}
        by_n[0].report(sent=True)
        by_n[0].done()
        by_n[1].fail("the server said 421")
        by_n[2].release()
        by_n[3].run_again(clock[0] + timedelta(hours=1))

    backoff = (timedelta(minutes=5),)
    kind = JobKind(_name(), None, batch=handler, batch_size=10, backoff=backoff)
    await _enqueue(db, kind.name, 5)

    outcomes = await _worker(db, settings, kind).run_once()

    jobs = {job.payload["n"]: job for job in await _jobs(db, kind.name)}
    # The job given back was due again at once, and ran again in the same run_once: it was
    # then done (nothing said of it the second time).
    assert seen == [[0, 1, 2, 3, 4], [2]]
    assert sorted(o.status for o in outcomes) == sorted(
        ["succeeded", "queued", "queued", "queued", "succeeded", "succeeded"]
    )
    assert (jobs[0].status, jobs[0].result) == ("succeeded", {"sent": True})
    assert (jobs[1].status, jobs[1].attempts, jobs[1].last_error) == (
        "queued",
        1,
        "the server said 421",
    )
    assert jobs[1].run_at == clock[0] + timedelta(minutes=5)
    assert (jobs[2].status, jobs[2].attempts) == ("succeeded", 1)  # the given-back claim
    assert (jobs[3].status, jobs[3].attempts) == ("queued", 0)
    assert jobs[3].run_at == clock[0] + timedelta(hours=1)
    assert jobs[4].status == "succeeded"
    assert {job.lease_token for job in jobs.values()} == {None}


async def test_a_batch_that_raises_fails_every_job_it_had_not_ended(
    db: Database, settings: Settings
) -> None:
    async def handler(batch: JobBatch) -> None:
        first = batch.runs[0]
        first.done()
        async with batch.finishing([first]):
            pass  # the first one's outcome is recorded
        for run in batch.runs[1:]:
            run.done()  # said, but never recorded
        raise RuntimeError("the database went away")

    kind = JobKind(_name(), None, batch=handler, batch_size=10, max_attempts=1)
    await _enqueue(db, kind.name, 3)

    outcomes = await _worker(db, settings, kind).run_once()

    jobs = await _jobs(db, kind.name)
    assert sorted(o.status for o in outcomes) == ["failed", "failed", "succeeded"]
    assert [(job.status, job.last_error) for job in jobs] == [
        ("succeeded", None),
        ("failed", "RuntimeError: the database went away"),
        ("failed", "RuntimeError: the database went away"),
    ]


async def test_a_batch_ends_no_job_whose_lease_another_worker_took(
    db: Database, settings: Settings, clock: list[datetime]
) -> None:
    lease = timedelta(seconds=settings.job_lease_seconds)
    taken: list[Any] = []

    async def handler(batch: JobBatch) -> None:
        # Meanwhile the batch overran its lease and another worker claimed the second job.
        clock[0] += lease
        async with db.transaction() as session:
            claimed, _ = await service.claim_due(
                session, {batch.kind.name: 10}, limit=1, lease=lease
            )
            taken.extend(claimed)

    kind = JobKind(_name(), None, batch=handler, batch_size=10)
    await _enqueue(db, kind.name, 2)

    outcomes = await _worker(db, settings, kind).run_once()

    [other] = taken
    jobs = {job.id: job for job in await _jobs(db, kind.name)}
    assert sorted(o.status for o in outcomes) == ["lost", "succeeded"]
    assert (jobs[other.id].status, jobs[other.id].lease_token) == ("running", other.lease_token)
    [mine] = [job for job in jobs.values() if job.id != other.id]
    assert (mine.status, mine.attempts) == ("succeeded", 1)  # still this worker's to end


async def test_a_kind_takes_a_handler_or_a_batch_handler(db: Database) -> None:
    async def batched(batch: JobBatch) -> None:
        pass

    for handler, batch in ((None, None), (_single, batched)):
        try:
            JobKind(_name(), handler, batch=batch)
        except ValueError:
            continue
        raise AssertionError("accepted")
