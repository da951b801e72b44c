"""The job worker: claims due jobs of every registered kind, runs them, records the outcome.

It runs as `faktura worker`, or inside `faktura serve` (FAKTURA_WORKER_IN_PROCESS). Several
workers may run against PostgreSQL; they claim with SKIP LOCKED and never hold the same job. On
SQLite run one (the one inside `faktura serve` is enough). A worker that dies mid-job leaves a
lease that runs out, and the next worker runs the job again: every kind is written to be run
at least once (webhook deliveries carry the same webhook-id; periodic tasks are idempotent).
A kind run in batches (JobKind.batch) takes one place of the worker's concurrency per batch.
"""

import asyncio
import logging
import time
import traceback
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx

from faktura.config import Settings
from faktura.db import registry as tables  # noqa: F401 - every table, so foreign keys resolve
from faktura.db.session import Database
from faktura.jobs import service
from faktura.jobs.kinds import JobBatch, JobContext, JobKind, Registry, registry
from faktura.jobs.models import Job
from faktura.worker import schedule

logger = logging.getLogger("faktura.worker")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "Timed out"
    return "".join(traceback.format_exception_only(exc)).strip()


@dataclass(frozen=True)
class RunOutcome:
    kind: str
    # succeeded, queued (to run again, or retried after a failure), failed, lost (lease gone)
    status: str
    result: dict[str, Any] | None = None


class JobWorker:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        kinds: Registry | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self.db = db
        self.settings = settings
        self.registry = kinds or registry
        self.concurrency = settings.worker_concurrency
        self.lease = timedelta(seconds=settings.job_lease_seconds)
        self._transport = transport

    async def _claim(self, limit: int) -> tuple[list[list[Job]], int]:
        """Up to `limit` runs of due jobs leased to this worker (a batched kind's jobs share a
        run), and how many jobs were given up instead (see claim_due)."""
        async with self.db.transaction() as session:
            return await service.claim_runs(
                session,
                self.registry.max_attempts(),
                self.registry.batch_sizes(),
                runs=limit,
                lease=self.lease,
            )

    def _timeout(self, kind: JobKind) -> float:
        return min(kind.timeout, self.lease * 0.9).total_seconds()

    def _context(self, client: httpx.AsyncClient, job: Job) -> JobContext:
        assert job.lease_token is not None
        return JobContext(
            job_id=job.id,
            kind=job.kind,
            payload=job.payload,
            account_id=job.account_id,
            livemode=job.livemode,
            attempts=job.attempts,
            lease_token=job.lease_token,
            db=self.db,
            settings=self.settings,
            http=client,
        )

    async def _run_all(self, client: httpx.AsyncClient, jobs: list[Job]) -> list[RunOutcome]:
        if self.registry.get(jobs[0].kind).batch is not None:
            return await self._run_batch(client, jobs)
        return [await self._run(client, job) for job in jobs]

    async def _run_batch(self, client: httpx.AsyncClient, jobs: list[Job]) -> list[RunOutcome]:
        kind = self.registry.get(jobs[0].kind)
        assert kind.batch is not None
        timeout = self._timeout(kind)
        batch = JobBatch(
            kind, [self._context(client, job) for job in jobs], self.db, time.monotonic() + timeout
        )
        error = None
        try:
            await asyncio.wait_for(kind.batch(batch), timeout)
        except Exception as exc:
            if isinstance(exc, TimeoutError):
                logger.warning("a batch of %d %s jobs timed out", len(jobs), kind.name)
            else:
                logger.exception("a batch of %d %s jobs failed", len(jobs), kind.name)
            error = _describe(exc)
        try:
            await batch.end_the_rest(error)
        except Exception:
            # Their leases run out and the jobs run again: at least once.
            logger.exception("could not record the end of a batch of %s jobs", kind.name)
        for run in batch.runs:
            if run.status == service.FAILED:
                logger.error("job %s (%s) failed for good", run.job_id, kind.name)
        return [RunOutcome(kind.name, run.status or "lost", run.result) for run in batch.runs]

    async def _run(self, client: httpx.AsyncClient, job: Job) -> RunOutcome:
        kind = self.registry.get(job.kind)
        assert kind.handler is not None
        ctx = self._context(client, job)
        try:
            await asyncio.wait_for(kind.handler(ctx), self._timeout(kind))
        except Exception as exc:
            if isinstance(exc, TimeoutError):
                logger.warning("job %s (%s) timed out", job.id, job.kind)
            else:
                logger.exception("job %s (%s) failed", job.id, job.kind)
            status: str | None = None
            try:
                async with self.db.transaction() as session:
                    status = await service.fail(
                        session,
                        job.id,
                        ctx.lease_token,
                        _describe(exc),
                        max_attempts=kind.max_attempts,
                        delay_after=kind.delay_after,
                    )
                if status == service.FAILED:
                    logger.error("job %s (%s) failed for good", job.id, job.kind)
            except Exception:
                logger.exception("could not record the failure of job %s", job.id)
            return RunOutcome(job.kind, status or "lost")
        if not ctx.finished and ctx.lease_held:
            try:
                async with self.db.transaction() as session:
                    ctx.finished = await service.finish(
                        session,
                        ctx.job_id,
                        ctx.lease_token,
                        run_again_at=ctx.run_again_at,
                        result=ctx.result,
                    )
            except Exception:
                # The lease runs out and the job runs again: at least once.
                logger.exception("could not record the end of job %s", job.id)
        if not ctx.finished:
            return RunOutcome(job.kind, "lost", ctx.result)
        status = service.QUEUED if ctx.run_again_at is not None else service.SUCCEEDED
        return RunOutcome(job.kind, status, ctx.result)

    def _client(self) -> httpx.AsyncClient:
        # Redirects are not followed: a 3xx answer is the answer (webhooks' SSRF rules rely on it).
        return httpx.AsyncClient(
            transport=self._transport,
            follow_redirects=False,
            trust_env=False,
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        )

    async def run_once(self) -> list[RunOutcome]:
        """Run every job due now (and those that fall due meanwhile); return how each went."""
        outcomes: list[RunOutcome] = []
        async with self._client() as client:
            while True:
                runs, given_up = await self._claim(self.concurrency)
                if not runs and not given_up:
                    break
                for ran in await asyncio.gather(*(self._run_all(client, jobs) for jobs in runs)):
                    outcomes += ran
        return outcomes

    async def run_forever(self, stop: asyncio.Event, *, scheduler: bool = True) -> None:
        """Keep up to `concurrency` jobs running until `stop` is set, then let them finish.
        With `scheduler`, also enqueue each period's periodic jobs as periods begin."""
        in_flight: set[asyncio.Task[list[RunOutcome]]] = set()
        stopping = asyncio.create_task(stop.wait())
        poll = self.settings.worker_poll_seconds
        next_tick = 0.0
        loop = asyncio.get_running_loop()
        try:
            async with self._client() as client:
                while not stop.is_set():
                    if scheduler and loop.time() >= next_tick:
                        next_tick = loop.time() + schedule.TICK_SECONDS
                        await schedule.tick_logged(self.db, self.settings, self.registry)
                    runs: list[list[Job]] = []
                    room = self.concurrency - len(in_flight)
                    if room > 0:
                        try:
                            runs, _ = await self._claim(room)
                        except Exception:
                            logger.exception("could not claim jobs; trying again")
                    for jobs in runs:
                        in_flight.add(asyncio.create_task(self._run_all(client, jobs)))
                    if room > 0 and len(runs) == room:
                        continue  # all it asked for: more may be due
                    await asyncio.wait(
                        {stopping, *in_flight}, timeout=poll, return_when=asyncio.FIRST_COMPLETED
                    )
                    in_flight = {task for task in in_flight if not task.done()}
                if in_flight:
                    await asyncio.gather(*in_flight, return_exceptions=True)
        finally:
            stopping.cancel()


async def run_forever(
    db: Database, settings: Settings, stop: asyncio.Event, **options: Any
) -> None:
    """The worker of `faktura worker` and of `faktura serve`: an error is logged, never fatal."""
    worker = JobWorker(db, settings)
    while not stop.is_set():
        try:
            await worker.run_forever(stop, **options)
        except Exception:
            logger.exception("job worker failed; restarting")
            await asyncio.sleep(settings.worker_poll_seconds)
