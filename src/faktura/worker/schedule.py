"""Periodic work: each registered periodic task is enqueued once per period.

The job's dedupe key is the period's start, so two schedulers ticking at once (two `faktura
serve` processes, a cron `faktura jobs run-due` besides) create each period's job once, and a
scheduler that was down for several periods creates only the current one: it catches up once.
Periods are aligned to the Unix epoch, so every process computes the same ones.
"""

import logging
from datetime import UTC, datetime, timedelta

from faktura.api import idempotency
from faktura.config import Settings
from faktura.core.clock import utcnow
from faktura.db.session import Database
from faktura.jobs import service
from faktura.jobs.kinds import JobContext, JobKind, PeriodicTask, Registry, every_interval

logger = logging.getLogger("faktura.schedule")

TICK_SECONDS = 5.0
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
KEEP_SUCCEEDED_JOBS = timedelta(days=7)


def period_start(now: datetime, every: timedelta) -> datetime:
    return EPOCH + every * ((now - EPOCH) // every)


async def tick(db: Database, settings: Settings, registry: Registry) -> list[str]:
    """Enqueue the current period's job of every periodic task that has none; return the
    kinds enqueued."""
    now = utcnow()
    enqueued = []
    async with db.transaction() as session:
        for task in registry.periodic.values():
            every = task.every(settings)
            start = period_start(now, every)
            added = await service.enqueue_once(
                session,
                task.kind,
                {"period_start": start.isoformat()},
                dedupe_key=f"period:{start.isoformat()}",
                run_at=start,
            )
            if added:
                enqueued.append(task.kind)
    return enqueued


async def tick_logged(db: Database, settings: Settings, registry: Registry) -> None:
    try:
        await tick(db, settings, registry)
    except Exception:
        logger.exception("could not enqueue periodic jobs; trying again next tick")


def daily(_settings: Settings) -> timedelta:
    return timedelta(days=1)


async def _purge_idempotency_keys(ctx: JobContext) -> None:
    async with ctx.finishing() as session:
        ctx.report(idempotency_keys_purged=await idempotency.purge_expired(session))


async def _purge_finished_jobs(ctx: JobContext) -> None:
    async with ctx.finishing() as session:
        ctx.report(jobs_purged=await service.purge_finished(session, KEEP_SUCCEEDED_JOBS))


PURGE_IDEMPOTENCY_KEYS = JobKind("idempotency.purge_expired", _purge_idempotency_keys)
PURGE_FINISHED_JOBS = JobKind("jobs.purge_finished", _purge_finished_jobs)


def register(registry: Registry) -> None:
    registry.register(PURGE_IDEMPOTENCY_KEYS)
    registry.register(PURGE_FINISHED_JOBS)
    registry.register_periodic(PeriodicTask(PURGE_IDEMPOTENCY_KEYS.name, every_interval))
    registry.register_periodic(PeriodicTask(PURGE_FINISHED_JOBS.name, daily))
