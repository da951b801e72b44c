"""Periodic jobs: once per period however many schedulers tick, and one catch-up after a gap."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from faktura.config import Settings
from faktura.db.session import Database, database_from_url
from faktura.jobs.kinds import JobContext, JobKind, PeriodicTask, Registry, every_interval
from faktura.jobs.models import Job
from faktura.worker import schedule


async def _nothing(ctx: JobContext) -> None:
    pass


def _registry() -> tuple[Registry, str]:
    name = f"test.{uuid.uuid4().hex[:12]}"
    registry = Registry()
    registry.register(JobKind(name, _nothing))
    registry.register_periodic(PeriodicTask(name, lambda _settings: timedelta(minutes=5)))
    return registry, name


async def _periods(db: Database, kind: str) -> list[str | None]:
    async with db.transaction(writes=False) as session:
        found = await session.execute(select(Job.dedupe_key).where(Job.kind == kind))
        return sorted(found.scalars().all())  # type: ignore[type-var]


async def test_two_schedulers_ticking_together_create_the_period_job_once(
    standalone_db: Database, migrated_url: str, settings: Settings, clock: list[datetime]
) -> None:
    clock[0] = datetime(2026, 3, 1, 9, 7, 30, tzinfo=UTC)
    registry, kind = _registry()
    other = database_from_url(migrated_url)
    try:
        enqueued = await asyncio.gather(
            *(schedule.tick(db, settings, registry) for db in (standalone_db, other) * 3)
        )
    finally:
        await other.dispose()

    assert sorted(enqueued) == [[], [], [], [], [], [kind]]
    assert await _periods(standalone_db, kind) == ["period:2026-03-01T09:05:00+00:00"]


async def test_a_scheduler_that_was_down_catches_up_once(
    db: Database, settings: Settings, clock: list[datetime]
) -> None:
    registry, kind = _registry()
    clock[0] = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    await schedule.tick(db, settings, registry)
    await schedule.tick(db, settings, registry)
    clock[0] += timedelta(minutes=17)  # three periods and a bit, with no scheduler running
    await schedule.tick(db, settings, registry)

    assert await _periods(db, kind) == [
        "period:2026-03-01T09:00:00+00:00",
        "period:2026-03-01T09:15:00+00:00",
    ]


def test_the_period_follows_the_scheduler_interval(settings: Settings) -> None:
    assert every_interval(settings.model_copy(update={"scheduler_interval_seconds": 60})) == (
        timedelta(minutes=1)
    )
    # Off in the server: cron runs `faktura jobs run-due`, with 5-minute periods.
    assert every_interval(settings.model_copy(update={"scheduler_interval_seconds": 0})) == (
        timedelta(minutes=5)
    )
    assert schedule.period_start(
        datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC), timedelta(days=1)
    ) == datetime(2026, 3, 1, tzinfo=UTC)
