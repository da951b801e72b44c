"""Job kinds and periodic tasks, registered by the domains that own them (faktura/wiring.py).

The runner knows kinds only through this registry: a kind names its handler, how long one run
may take, how often a failed run is tried and how long to wait between tries.
"""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
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


Handler = Callable[[JobContext], Awaitable[None]]


@dataclass(frozen=True)
class JobKind:
    """A kind of work: its handler, and how its runs are bounded and retried."""

    name: str
    handler: Handler
    # One run is cancelled after this long and counts as failed; keep it below the lease.
    timeout: timedelta = timedelta(seconds=50)
    max_attempts: int = 10
    backoff: tuple[timedelta, ...] = DEFAULT_BACKOFF

    def delay_after(self, attempts: int) -> timedelta:
        return self.backoff[min(attempts, len(self.backoff)) - 1]


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


registry = Registry()
