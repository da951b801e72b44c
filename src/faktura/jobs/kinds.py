"""Job kinds and periodic tasks, registered by the domains that own them (faktura/wiring.py).

The runner knows kinds only through this registry: a kind names its handler, how long one run
may take, how often a failed run is tried and how long to wait between tries.

A kind may run its jobs in batches (`JobKind.batch`): the worker claims up to `batch_size` due
jobs of the kind at once and hands them to one call, which can read what they need and write
what they did in a few statements instead of a few per job. Each job of a batch stays a job of
its own — its lease, its attempts, its back-off, its outcome: the handler says how each run
ended (`JobContext.done`, `run_again`, `fail`, `release`), and one run that fails fails alone.
"""

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
from faktura.core.clock import utcnow
from faktura.core.tenant import Tenant
from faktura.db.session import Database
from faktura.jobs import service

# After a failed run: 10 s, 1 min, 5 min, 30 min, 2 h, then every 6 h.
DEFAULT_BACKOFF = (
    timedelta(seconds=10),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)


@dataclass
class JobContext:
    """What a handler gets: its job, the database, settings and a shared HTTP client.

    A handler does its network I/O outside any transaction and writes its outcome in
    `finishing()`, which also marks the job done — in the same transaction, and only while this
    worker still holds the lease (`lease_held`).
    """

    job_id: uuid.UUID
    kind: str
    payload: dict[str, Any]
    account_id: uuid.UUID | None
    livemode: bool | None
    attempts: int
    lease_token: uuid.UUID
    db: Database
    settings: Settings
    http: httpx.AsyncClient
    lease_held: bool = True
    finished: bool = False
    run_again_at: datetime | None = None
    result: dict[str, Any] | None = None
    # How a run of a batch ended, once its handler knows (see `JobBatch`): done (or to run again
    # at `run_again_at`), failed (`error`), released (given back untried).
    verdict: str | None = None
    error: str | None = None
    # The job's status after this run (succeeded, queued, failed), once recorded.
    status: str | None = None

    @property
    def tenant(self) -> Tenant:
        """The account and mode of a job enqueued for one (every kind but the periodic)."""
        assert self.account_id is not None
        assert self.livemode is not None
        return Tenant(self.account_id, self.livemode)

    def report(self, **counts: Any) -> None:
        """What this run did, kept on the job (shown by `faktura jobs list`)."""
        self.result = {**(self.result or {}), **counts}

    def run_again(self, at: datetime) -> None:
        """Finish this run but keep the job: it runs again at `at`, its attempts counted afresh
        (this run was no failure)."""
        self.run_again_at = at
        self.verdict = DONE

    def done(self) -> None:
        """(A run of a batch) it ended well: the job succeeded, or runs again (`run_again`)."""
        self.verdict = DONE

    def fail(self, error: str) -> None:
        """(A run of a batch) it failed: tried again after the kind's back-off, or failed for
        good once out of attempts — as a single run that raised."""
        self.verdict = FAILED_RUN
        self.error = error

    def release(self) -> None:
        """(A run of a batch) it was not tried (the batch ran out of time): the job is due again
        at once, and this claim is not counted as an attempt."""
        self.verdict = RELEASED

    @asynccontextmanager
    async def finishing(self) -> AsyncIterator[AsyncSession]:
        """A write transaction that ends this run: the handler's writes and the job's new state
        commit together, so a crash cannot record the outcome and leave the job to run again."""
        async with self.db.transaction() as session:
            self.lease_held = await service.hold_lease(session, self.job_id, self.lease_token)
            yield session
            if self.lease_held:
                self.finished = await service.finish(
                    session,
                    self.job_id,
                    self.lease_token,
                    run_again_at=self.run_again_at,
                    result=self.result,
                )


DONE = "done"
FAILED_RUN = "failed"
RELEASED = "released"

Handler = Callable[[JobContext], Awaitable[None]]
BatchHandler = Callable[["JobBatch"], Awaitable[None]]


@dataclass(frozen=True)
class JobKind:
    """A kind of work: its handler (or batch handler), and how its runs are bounded and
    retried."""

    name: str
    handler: Handler | None
    # One run is cancelled after this long and counts as failed; keep it below the lease.
    timeout: timedelta = timedelta(seconds=50)
    max_attempts: int = 10
    backoff: tuple[timedelta, ...] = DEFAULT_BACKOFF
    # Instead of `handler`: runs up to `batch_size` due jobs of the kind in one call.
    batch: BatchHandler | None = None
    batch_size: int = 100

    def __post_init__(self) -> None:
        if (self.handler is None) == (self.batch is None):
            raise ValueError(f"job kind {self.name!r} needs a handler or a batch handler")

    def delay_after(self, attempts: int) -> timedelta:
        return self.backoff[min(attempts, len(self.backoff)) - 1]

    def end_of(self, run: JobContext, now: datetime) -> dict[str, Any]:
        """The job's new values once `run` (of a batch) ended as its verdict says (none: done)."""
        if run.verdict == RELEASED:
            return service.released(run.attempts, now)
        if run.verdict == FAILED_RUN:
            return service.failed_run(
                run.attempts,
                run.error or "failed",
                now,
                max_attempts=self.max_attempts,
                delay_after=self.delay_after,
            )
        return service.ended_well(now, run_again_at=run.run_again_at, result=run.result)


@dataclass
class JobBatch:
    """Due jobs of one kind run together by its batch handler, which must end by `deadline`
    (time.monotonic()); each run says how it ended (`JobContext.done`, `fail`, `release`,
    `run_again`). Runs it has not ended when it returns are done; when it raises, failed."""

    kind: JobKind
    runs: list[JobContext]
    db: Database
    deadline: float

    def seconds_left(self) -> float:
        return self.deadline - time.monotonic()

    @asynccontextmanager
    async def finishing(
        self, runs: Sequence[JobContext] | None = None
    ) -> AsyncIterator[AsyncSession]:
        """A write transaction that ends every run of `runs` (default: the batch's) that has a
        verdict by the block's end: the handler's writes and those jobs' new states commit
        together, each job only while this worker holds its lease (`lease_held`)."""
        async with self.db.transaction() as session:
            open_runs = [run for run in (self.runs if runs is None else runs) if not run.finished]
            held = await service.held_leases(
                session, {run.job_id: run.lease_token for run in open_runs}
            )
            for run in open_runs:
                run.lease_held = run.job_id in held
            yield session
            now = utcnow()
            ending = [run for run in open_runs if run.verdict is not None and run.lease_held]
            ends = {run.job_id: self.kind.end_of(run, now) for run in ending}
            await service.end_runs(session, ends)
        for run in ending:
            run.finished = True
            run.status = ends[run.job_id]["status"]

    async def end_the_rest(self, error: str | None) -> None:
        """After the handler: runs it did not end are done when it returned, failed with its
        `error` when it raised (whatever it had said of them: their outcome was not recorded)."""
        rest = [run for run in self.runs if not run.finished and run.lease_held]
        if not rest:
            return
        for run in rest:
            if error is not None:
                run.fail(error)
            elif run.verdict is None:
                run.done()
        async with self.finishing():
            pass


DEFAULT_INTERVAL = timedelta(minutes=5)


def every_interval(settings: Settings) -> timedelta:
    """The scheduler's period (FAKTURA_SCHEDULER_INTERVAL_SECONDS); 5 minutes when the
    in-process scheduler is off and `faktura jobs run-due` is run from cron instead."""
    seconds = settings.scheduler_interval_seconds
    return timedelta(seconds=seconds) if seconds > 0 else DEFAULT_INTERVAL


@dataclass(frozen=True)
class PeriodicTask:
    """A kind enqueued once per period: its dedupe key is the period's start."""

    kind: str
    every: Callable[[Settings], timedelta]


@dataclass
class Registry:
    kinds: dict[str, JobKind] = field(default_factory=dict)
    periodic: dict[str, PeriodicTask] = field(default_factory=dict)

    def register(self, kind: JobKind) -> None:
        known = self.kinds.get(kind.name)
        if known is not None and known != kind:
            raise ValueError(f"job kind {kind.name!r} is registered twice")
        self.kinds[kind.name] = kind

    def register_periodic(self, task: PeriodicTask) -> None:
        if task.kind not in self.kinds:
            raise ValueError(f"periodic task of unregistered kind {task.kind!r}")
        self.periodic[task.kind] = task

    def get(self, name: str) -> JobKind:
        return self.kinds[name]

    def max_attempts(self) -> dict[str, int]:
        return {name: kind.max_attempts for name, kind in self.kinds.items()}

    def batch_sizes(self) -> dict[str, int]:
        """The kinds run in batches, and how many jobs one batch takes at most."""
        return {
            name: kind.batch_size for name, kind in self.kinds.items() if kind.batch is not None
        }


registry = Registry()
