"""The job runner in the test's process: once, retried, timed out, leases, and rollbacks."""

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from faktura.config import Settings
from faktura.core.clock import utcnow
from faktura.core.errors import InvalidState
from faktura.db.session import Database
from faktura.jobs import service
from faktura.jobs.kinds import JobContext, JobKind, Registry
from faktura.jobs.models import Job
from faktura.worker.runner import JobWorker


def _name() -> str:
    return f"test.{uuid.uuid4().hex[:12]}"


async def _jobs(db: Database, kind: str) -> list[Job]:
    async with db.transaction(writes=False) as session:
        found = await session.execute(select(Job).where(Job.kind == kind).order_by(Job.id))
        return list(found.scalars().all())


async def _idle(ctx: JobContext) -> None:
    pass


def _kinds(kind: JobKind | str) -> dict[str, int]:
    """What claim_due needs to know of the kinds it claims: their attempts."""
    if isinstance(kind, str):
        kind = JobKind(kind, _idle)
    return {kind.name: kind.max_attempts}


def _worker(db: Database, settings: Settings, *kinds: JobKind, **changes: Any) -> JobWorker:
    registry = Registry()
    for kind in kinds:
        registry.register(kind)
    return JobWorker(db, settings.model_copy(update=changes), kinds=registry)


async def test_a_job_runs_once_with_its_payload_and_keeps_its_report(
    db: Database, settings: Settings
) -> None:
    seen: list[dict[str, Any]] = []

    async def handler(ctx: JobContext) -> None:
        seen.append(ctx.payload)
        ctx.report(done=1)

    kind = JobKind(_name(), handler)
    async with db.transaction() as session:
        service.enqueue(session, kind.name, {"n": 7})

    first = await _worker(db, settings, kind).run_once()
    second = await _worker(db, settings, kind).run_once()

    assert seen == [{"n": 7}]
    assert [(o.status, o.result) for o in first] == [("succeeded", {"done": 1})]
    assert second == []
    [job] = await _jobs(db, kind.name)
    assert (job.status, job.attempts, job.result, job.lease_token) == (
        "succeeded",
        1,
        {"done": 1},
        None,
    )


async def test_a_job_enqueued_in_a_transaction_that_fails_never_runs(
    db: Database, settings: Settings
) -> None:
    ran: list[object] = []

    async def handler(ctx: JobContext) -> None:
        ran.append(ctx.payload)

    kind = JobKind(_name(), handler)

    async def failing_request() -> None:
        async with db.transaction() as session:
            service.enqueue(session, kind.name, {})
            await session.flush()  # the row is written, then the transaction fails
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        await failing_request()

    assert await _worker(db, settings, kind).run_once() == []
    assert ran == []
    assert await _jobs(db, kind.name) == []


async def test_a_failing_job_is_retried_after_its_backoff_then_kept_failed_until_retried(
    db: Database, settings: Settings, clock: list[datetime]
) -> None:
    calls: list[int] = []

    async def handler(ctx: JobContext) -> None:
        calls.append(ctx.attempts)
        if len(calls) < 4:
            raise ValueError(f"broken {len(calls)}")

    backoff = (timedelta(seconds=10), timedelta(minutes=1))
    kind = JobKind(_name(), handler, max_attempts=3, backoff=backoff)
    async with db.transaction() as session:
        service.enqueue(session, kind.name, {})
    worker = _worker(db, settings, kind)

    [first] = await worker.run_once()
    [waiting] = await _jobs(db, kind.name)
    clock[0] += timedelta(seconds=9)
    early = await worker.run_once()
    clock[0] += timedelta(seconds=1)
    [second] = await worker.run_once()
    clock[0] += timedelta(minutes=1)
    [third] = await worker.run_once()
    [failed] = await _jobs(db, kind.name)
    clock[0] += timedelta(days=1)
    later = await worker.run_once()

    assert [first.status, second.status, third.status] == ["queued", "queued", "failed"]
    assert early == [] == later
    assert waiting.run_at == clock[0] - timedelta(days=1, minutes=1)  # 10 s after the first
    assert waiting.last_error == "ValueError: broken 1"
    assert (failed.status, failed.attempts, failed.last_error) == (
        "failed",
        3,
        "ValueError: broken 3",
    )
    assert calls == [1, 2, 3]

    async with db.transaction() as session:
        await service.retry_job(session, failed.id)
    [retried] = await worker.run_once()
    [done] = await _jobs(db, kind.name)
    assert retried.status == "succeeded"
    assert (done.status, done.attempts, done.last_error) == ("succeeded", 1, None)
    assert calls == [1, 2, 3, 1]


async def test_only_a_failed_job_can_be_retried_by_hand(db: Database) -> None:
    async with db.transaction() as session:
        job = service.enqueue(session, _name(), {})
    async with db.transaction() as session:
        with pytest.raises(InvalidState) as refused:
            await service.retry_job(session, job.id)
    assert refused.value.message == "Only a failed job can be retried; this one is queued"


async def test_a_run_past_its_timeout_is_cancelled_and_counts_as_failed(
    db: Database, settings: Settings
) -> None:
    async def handler(ctx: JobContext) -> None:
        await asyncio.sleep(30)

    kind = JobKind(_name(), handler, timeout=timedelta(seconds=0.2), max_attempts=1)
    async with db.transaction() as session:
        service.enqueue(session, kind.name, {})

    [outcome] = await _worker(db, settings, kind).run_once()

    [job] = await _jobs(db, kind.name)
    assert outcome.status == "failed"
    assert (job.status, job.last_error) == ("failed", "Timed out")


async def test_a_worker_that_lost_its_lease_records_nothing(
    db: Database, settings: Settings, clock: list[datetime]
) -> None:
    """The first worker overran its lease; the second took the job. The first one's outcome is
    not recorded: the job stays the second worker's."""
    lease = timedelta(seconds=60)
    name = _name()
    async with db.transaction() as session:
        service.enqueue(session, name, {})
    async with db.transaction() as session:
        [first], _ = await service.claim_due(session, _kinds(name), limit=1, lease=lease)
        first_token = first.lease_token
    clock[0] += lease
    async with db.transaction() as session:
        [second], _ = await service.claim_due(session, _kinds(name), limit=1, lease=lease)
        second_token = second.lease_token

    async with db.transaction() as session:
        late_hold = await service.hold_lease(session, first.id, first_token)  # type: ignore[arg-type]
        late_finish = await service.finish(session, first.id, first_token)  # type: ignore[arg-type]
    [job] = await _jobs(db, name)

    assert (late_hold, late_finish) == (False, False)
    assert (job.status, job.attempts, job.lease_token) == ("running", 2, second_token)


async def test_a_job_whose_workers_all_died_is_given_up_after_its_attempts(
    db: Database, settings: Settings, clock: list[datetime]
) -> None:
    async def handler(ctx: JobContext) -> None:
        raise AssertionError("never run: every claim below is abandoned")

    kind = JobKind(_name(), handler, max_attempts=2)
    lease = timedelta(seconds=settings.job_lease_seconds)
    async with db.transaction() as session:
        service.enqueue(session, kind.name, {})
    for _ in range(2):  # two workers claim it and die without a word
        async with db.transaction() as session:
            claimed, _ = await service.claim_due(session, _kinds(kind), limit=1, lease=lease)
            assert len(claimed) == 1
        clock[0] += lease

    assert await _worker(db, settings, kind).run_once() == []
    [job] = await _jobs(db, kind.name)
    assert (job.status, job.attempts) == ("failed", 2)
    assert job.last_error == "The worker stopped during every attempt (killed or timed out)"


async def test_one_job_per_dedupe_key_even_when_enqueued_at_once(
    standalone_db: Database, migrated_url: str
) -> None:
    from faktura.db.session import database_from_url

    other = database_from_url(migrated_url)
    name = _name()

    async def enqueue(db: Database) -> bool:
        async with db.transaction() as session:
            return await service.enqueue_once(session, name, {}, dedupe_key="the-one")

    try:
        added = await asyncio.gather(*(enqueue(db) for db in (standalone_db, other) * 4))
    finally:
        await other.dispose()

    assert sorted(added) == [False] * 7 + [True]
    assert len(await _jobs(standalone_db, name)) == 1


async def test_rearming_a_finished_job_makes_it_due_again_but_not_a_running_one(
    db: Database, settings: Settings
) -> None:
    async def handler(ctx: JobContext) -> None:
        pass

    kind = JobKind(_name(), handler)
    async with db.transaction() as session:
        await service.enqueue_or_rearm(session, kind.name, {}, dedupe_key="k")
    await _worker(db, settings, kind).run_once()
    async with db.transaction() as session:
        await service.enqueue_or_rearm(session, kind.name, {}, dedupe_key="k")
    [rearmed] = await _jobs(db, kind.name)
    async with db.transaction() as session:
        await service.claim_due(session, _kinds(kind), limit=1, lease=timedelta(minutes=1))
    async with db.transaction() as session:
        with pytest.raises(InvalidState):
            await service.enqueue_or_rearm(session, kind.name, {}, dedupe_key="k")

    assert (rearmed.status, rearmed.attempts, rearmed.run_at <= utcnow()) == ("queued", 0, True)
    assert len(await _jobs(db, kind.name)) == 1
