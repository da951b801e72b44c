"""Enqueue, claim, finish and inspect jobs.

- Enqueued in the caller's transaction: a job exists exactly when the change that wanted it
  committed, and a rolled-back request leaves none.
- Claimed under a lease: `FOR UPDATE SKIP LOCKED` on PostgreSQL lets workers claim side by side
  without waiting on each other's rows; on SQLite the write transaction is exclusive. A job whose
  worker died (its lease ran out) is claimed again, by the next worker, with the same payload.
- Finished only by the worker that holds the lease, guarded in SQL by the lease token: a worker
  that overran its lease and lost the job to another changes nothing.
- Kinds run in batches are claimed a batch at a time (`claim_runs`) and ended together
  (`held_leases`, then `end_runs`): each job keeps its own lease, attempts and outcome.
"""

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    FromClause,
    Insert,
    Table,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.core.clock import utcnow
from faktura.core.errors import InvalidState, NotFound
from faktura.core.ids import uuid7
from faktura.core.tenant import Tenant
from faktura.db.binds import bind_columns, bind_values
from faktura.jobs.models import Job

QUEUED = "queued"
RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
STATUSES = (QUEUED, RUNNING, SUCCEEDED, FAILED)
MAX_ERROR_LENGTH = 2000


def _values(
    kind: str,
    payload: dict[str, Any],
    tenant: Tenant | None,
    run_at: datetime | None,
    dedupe_key: str | None,
) -> dict[str, Any]:
    now = utcnow()
    return {
        "id": uuid7(),
        "kind": kind,
        "payload": payload,
        "account_id": tenant.account_id if tenant else None,
        "livemode": tenant.livemode if tenant else None,
        "dedupe_key": dedupe_key,
        "status": QUEUED,
        "run_at": run_at or now,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }


def enqueue(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any],
    *,
    tenant: Tenant | None = None,
    run_at: datetime | None = None,
    dedupe_key: str | None = None,
) -> Job:
    """Add a job to the caller's transaction (written with its next flush).

    A `dedupe_key` already taken by a job of this kind makes the transaction fail at flush; use
    `enqueue_once` where that may happen.
    """
    job = Job(**_values(kind, payload, tenant, run_at, dedupe_key))
    session.add(job)
    return job


# A job's row as bound values (`job_values`), for statements built once and run many times.
_COLUMNS = (
    "id",
    "kind",
    "payload",
    "account_id",
    "livemode",
    "dedupe_key",
    "status",
    "run_at",
    "attempts",
    "created_at",
    "updated_at",
)


_JOBS = cast(Table, Job.__table__)


def _bound() -> list[BindParameter[Any]]:
    return bind_columns(_JOBS, _COLUMNS, "job_")


_INSERT_ONE = insert(_JOBS).values(dict(zip(_COLUMNS, _bound(), strict=True)))


def job_values(
    kind: str,
    payload: dict[str, Any],
    *,
    tenant: Tenant | None = None,
    run_at: datetime | None = None,
    dedupe_key: str | None = None,
) -> dict[str, Any]:
    """A new job's row as the values `enqueue_now` and `enqueue_for_each` are run with."""
    values = _values(kind, payload, tenant, run_at, dedupe_key)
    return bind_values({name: values[name] for name in _COLUMNS}, "job_")


async def enqueue_now(session: AsyncSession, values: dict[str, Any]) -> None:
    """`enqueue` the job of `values` (`job_values`), written at once by an INSERT of its own
    rather than by the session's next flush: for a request that writes little, the unit of
    work costs more than the statement."""
    await session.execute(_INSERT_ONE, values)


def enqueue_for_each(rows: FromClause) -> Insert:
    """An INSERT of a job for each row of `rows` (the common table of a statement that writes
    what wants the job), to run with `job_values`: the job goes in the same statement. It
    returns the job's id, as a common table of its own must."""
    chosen = select(*_bound()).select_from(rows)
    return insert(_JOBS).from_select(list(_COLUMNS), chosen).returning(_JOBS.c.id)


def _insert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(Job)


async def enqueue_once(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any],
    *,
    dedupe_key: str,
    tenant: Tenant | None = None,
    run_at: datetime | None = None,
) -> bool:
    """Add the job unless one of this kind already has `dedupe_key`; True when added.

    Two transactions doing this at once both succeed and exactly one job exists: the unique
    (kind, dedupe_key) decides, and the loser's insert does nothing.
    """
    statement = (
        _insert(session)
        .values(**_values(kind, payload, tenant, run_at, dedupe_key))
        .on_conflict_do_nothing(index_elements=["kind", "dedupe_key"])
        .returning(Job.id)
    )
    # RETURNING, not the row count: psycopg reports -1 for an INSERT … ON CONFLICT.
    return (await session.execute(statement)).first() is not None


async def enqueue_or_rearm(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any],
    *,
    dedupe_key: str,
    tenant: Tenant | None = None,
    run_at: datetime | None = None,
) -> None:
    """Make the job of `dedupe_key` due at `run_at` again, whatever became of it before, or
    add it. A job some worker is running right now is left alone: InvalidState."""
    now = utcnow()
    values = _values(kind, payload, tenant, run_at, dedupe_key)
    insert = _insert(session).values(**values)
    statement = insert.on_conflict_do_update(
        index_elements=["kind", "dedupe_key"],
        set_={
            "status": QUEUED,
            "run_at": values["run_at"],
            "attempts": 0,
            "lease_token": None,
            "lease_until": None,
            "last_error": None,
            "finished_at": None,
            "updated_at": now,
        },
        where=or_(Job.status != RUNNING, Job.lease_until <= now),
    ).returning(Job.id)
    if (await session.execute(statement)).first() is None:
        raise InvalidState("The job is running right now")


async def claim_due(
    session: AsyncSession, max_attempts: dict[str, int], *, limit: int, lease: timedelta
) -> tuple[list[Job], int]:
    """Lease up to `limit` due jobs of the kinds of `max_attempts` (kind → its attempts) to the
    caller, oldest due first; return them and how many were given up instead.

    Due: queued with `run_at` reached, or running with a lease that ran out (its worker died).
    Each claim counts as an attempt, so a job that kills every worker that takes it ends,
    failed, after its kind's attempts instead of being claimed once more.
    """
    now = utcnow()
    due = (
        (
            await session.execute(
                select(Job)
                .where(
                    Job.status.in_((QUEUED, RUNNING)),
                    Job.run_at <= now,
                    Job.kind.in_(list(max_attempts)),
                )
                # Jobs due at the same instant (enqueued together) in the order they were
                # made: ids are time-ordered.
                .order_by(Job.run_at, Job.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        .scalars()
        .all()
    )
    claimed = []
    given_up = 0
    for job in due:
        job.updated_at = now
        if job.status == RUNNING and job.attempts >= max_attempts[job.kind]:
            job.status = FAILED
            job.finished_at = now
            job.lease_token = None
            job.lease_until = None
            job.last_error = "The worker stopped during every attempt (killed or timed out)"
            given_up += 1
            continue
        job.status = RUNNING
        job.attempts += 1
        job.lease_token = uuid.uuid4()
        job.lease_until = job.run_at = now + lease
        claimed.append(job)
    await session.flush()
    return claimed, given_up


async def claim_runs(
    session: AsyncSession,
    max_attempts: dict[str, int],
    batch_sizes: Mapping[str, int],
    *,
    runs: int,
    lease: timedelta,
) -> tuple[list[list[Job]], int]:
    """Up to `runs` runs of due jobs, oldest due first, and how many jobs were given up: a job
    of a kind in `batch_sizes` (kind → most jobs in one run) shares its run with up to that
    many due jobs of its kind; any other job runs alone."""
    found: list[list[Job]] = []
    given_up = 0
    while len(found) < runs:
        jobs, lost = await claim_due(session, max_attempts, limit=runs - len(found), lease=lease)
        given_up += lost
        if not jobs:
            if lost:
                continue
            break
        batched: dict[str, list[Job]] = {}
        for job in jobs:
            if job.kind in batch_sizes:
                batched.setdefault(job.kind, []).append(job)
            else:
                found.append([job])
        for kind, batch in batched.items():
            size = batch_sizes[kind]
            if len(batch) < size:
                more, lost = await claim_due(
                    session, {kind: max_attempts[kind]}, limit=size - len(batch), lease=lease
                )
                batch += more
                given_up += lost
            found += [batch[start : start + size] for start in range(0, len(batch), size)]
    return found, given_up


def _mine(job_id: uuid.UUID, lease_token: uuid.UUID) -> Any:
    return and_(Job.id == job_id, Job.lease_token == lease_token, Job.status == RUNNING)


async def hold_lease(session: AsyncSession, job_id: uuid.UUID, lease_token: uuid.UUID) -> bool:
    """Lock the job's row; True while the lease is still this worker's."""
    found = (
        await session.execute(select(Job.id).where(_mine(job_id, lease_token)).with_for_update())
    ).first()
    return found is not None


async def held_leases(
    session: AsyncSession, leases: Mapping[uuid.UUID, uuid.UUID]
) -> set[uuid.UUID]:
    """Lock the rows of the jobs of `leases` (id → lease token); the ids of those whose lease is
    still the token's."""
    if not leases:
        return set()
    rows = await session.execute(
        select(Job.id, Job.lease_token)
        .where(Job.id.in_(list(leases)), Job.status == RUNNING)
        .order_by(Job.id)
        .with_for_update()
    )
    return {job_id for job_id, token in rows if token is not None and leases[job_id] == token}


def ended_well(
    now: datetime, *, run_again_at: datetime | None = None, result: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A job's values once a run ended well: succeeded, or (`run_again_at`) waiting for its next
    run — a run that ended well is no failed attempt, so the count of attempts starts again."""
    values: dict[str, Any] = {"lease_token": None, "lease_until": None, "updated_at": now}
    if run_again_at is None:
        values.update(status=SUCCEEDED, finished_at=now, result=result, last_error=None)
    else:
        values.update(status=QUEUED, run_at=run_again_at, result=result, attempts=0)
    return values


def failed_run(
    attempts: int,
    error: str,
    now: datetime,
    *,
    max_attempts: int,
    delay_after: Callable[[int], timedelta],
) -> dict[str, Any]:
    """A job's values once its run (its `attempts`th) failed: tried again after the back-off,
    or failed for good after `max_attempts`."""
    values: dict[str, Any] = {
        "lease_token": None,
        "lease_until": None,
        "last_error": error[:MAX_ERROR_LENGTH],
        "updated_at": now,
    }
    if attempts >= max_attempts:
        values.update(status=FAILED, finished_at=now)
    else:
        values.update(status=QUEUED, run_at=now + delay_after(attempts))
    return values


def released(attempts: int, now: datetime) -> dict[str, Any]:
    """A job's values once its claim is given back untried: due at once, the claim uncounted."""
    return {
        "status": QUEUED,
        "run_at": now,
        "attempts": max(attempts - 1, 0),
        "lease_token": None,
        "lease_until": None,
        "updated_at": now,
    }


async def end_runs(session: AsyncSession, ends: Mapping[uuid.UUID, dict[str, Any]]) -> None:
    """Give jobs their new values (job id → values of `ended_well`, `failed_run` or `released`)
    in one statement per set of columns; the caller holds their leases (`held_leases`)."""
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for job_id, values in ends.items():
        by_columns.setdefault(tuple(sorted(values)), []).append({"id": job_id, **values})
    for rows in by_columns.values():
        await session.execute(update(Job), rows)


async def finish(
    session: AsyncSession,
    job_id: uuid.UUID,
    lease_token: uuid.UUID,
    *,
    run_again_at: datetime | None = None,
    result: dict[str, Any] | None = None,
) -> bool:
    """The run ended well: the job succeeded, or (`run_again_at`) waits for its next run
    (`ended_well`)."""
    values = ended_well(utcnow(), run_again_at=run_again_at, result=result)
    moved = await session.execute(
        update(Job)
        .where(_mine(job_id, lease_token))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(moved.rowcount)  # type: ignore[attr-defined]


async def fail(
    session: AsyncSession,
    job_id: uuid.UUID,
    lease_token: uuid.UUID,
    error: str,
    *,
    max_attempts: int,
    delay_after: Callable[[int], timedelta],
) -> str | None:
    """The run raised: try again after the kind's back-off (`delay_after(attempts)`), or give
    up after `max_attempts`. Returns the job's new status (None when the lease was lost)."""
    now = utcnow()
    job = (
        await session.execute(select(Job).where(_mine(job_id, lease_token)).with_for_update())
    ).scalar_one_or_none()
    if job is None:
        return None
    values = failed_run(
        job.attempts, error, now, max_attempts=max_attempts, delay_after=delay_after
    )
    for name, value in values.items():
        setattr(job, name, value)
    await session.flush()
    return job.status


def job_out(job: Job) -> dict[str, Any]:
    """A job as `faktura jobs list --json` shows it."""
    return {
        "id": str(job.id),
        "kind": job.kind,
        "status": job.status,
        "attempts": job.attempts,
        "run_at": job.run_at.isoformat(),
        "account_id": str(job.account_id) if job.account_id else None,
        "livemode": job.livemode,
        "dedupe_key": job.dedupe_key,
        "payload": job.payload,
        "last_error": job.last_error,
        "result": job.result,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


async def list_jobs(
    session: AsyncSession,
    *,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 50,
) -> Sequence[Job]:
    statement = select(Job).order_by(Job.id.desc()).limit(limit)
    if status is not None:
        statement = statement.where(Job.status == status)
    if kind is not None:
        statement = statement.where(Job.kind == kind)
    return (await session.execute(statement)).scalars().all()


async def retry_job(session: AsyncSession, job_id: uuid.UUID) -> Job:
    """A failed job runs again now, with a fresh count of attempts."""
    job = (
        await session.execute(select(Job).where(Job.id == job_id).with_for_update())
    ).scalar_one_or_none()
    if job is None:
        raise NotFound(f"No such job: {job_id}")
    if job.status != FAILED:
        raise InvalidState(f"Only a failed job can be retried; this one is {job.status}")
    now = utcnow()
    job.status = QUEUED
    job.run_at = now
    job.attempts = 0
    job.finished_at = None
    job.updated_at = now
    await session.flush()
    return job


async def queue_stats(session: AsyncSession) -> list[dict[str, Any]]:
    """Per kind and unfinished status: how many jobs, how many of them wait to be retried, and
    the oldest `run_at` that is due (None: none due)."""
    now = utcnow()
    rows = await session.execute(
        select(
            Job.kind,
            Job.status,
            func.count(),
            func.count().filter(Job.last_error.is_not(None)),
            func.min(Job.run_at).filter(Job.run_at <= now),
        )
        .where(Job.status.in_((QUEUED, RUNNING, FAILED)))
        .group_by(Job.kind, Job.status)
    )
    return [
        {
            "kind": kind,
            "status": status,
            "count": count,
            "retrying": retrying,
            "oldest_due": oldest,
        }
        for kind, status, count, retrying, oldest in rows
    ]


async def purge_finished(session: AsyncSession, older_than: timedelta, limit: int = 10_000) -> int:
    """Forget succeeded jobs finished before `older_than` ago (failed ones stay until retried)."""
    cutoff = utcnow() - older_than
    ids = select(Job.id).where(Job.status == SUCCEEDED, Job.finished_at < cutoff).limit(limit)
    result = await session.execute(
        delete(Job).where(Job.id.in_(ids)).execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
