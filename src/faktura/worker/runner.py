"""The webhook worker: claims due deliveries, sends them, records each attempt.

It runs as `faktura worker`, or inside `faktura serve` (FAKTURA_WEBHOOK_WORKER_IN_PROCESS).
Several workers may run against PostgreSQL; they claim with SKIP LOCKED and never hold the same
delivery. On SQLite run one (the one inside `faktura serve` is enough). A worker that dies
mid-request leaves a lease that runs out, and the next worker sends the delivery again with the
same webhook-id: delivery is at least once.
"""

import asyncio
import logging
from datetime import timedelta

import httpx

from faktura.config import Settings
from faktura.db import registry  # noqa: F401 - every table, so foreign keys resolve
from faktura.db.session import Database
from faktura.webhooks import delivery, sender

logger = logging.getLogger("faktura.worker")


class WebhookWorker:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self.db = db
        self.settings = settings
        self.concurrency = settings.webhook_concurrency
        self.lease = timedelta(seconds=settings.webhook_lease_seconds)
        self._transport = transport
        self._results: list[tuple[delivery.DeliveryJob, delivery.AttemptResult]] = []
        self._record_lock = asyncio.Lock()

    async def _claim(self, limit: int) -> list[delivery.DeliveryJob]:
        async with self.db.transaction() as session:
            return await delivery.claim_due_deliveries(session, limit=limit, lease=self.lease)

    async def _process(self, client: httpx.AsyncClient, job: delivery.DeliveryJob) -> None:
        result = await sender.send(
            client,
            job,
            allowed_hosts=self.settings.webhook_allowed_hosts,
            timeout_seconds=self.settings.webhook_timeout_seconds,
        )
        await self._record(job, result)

    async def _record(self, job: delivery.DeliveryJob, result: delivery.AttemptResult) -> None:
        """Group commit: whoever takes the lock writes every result queued so far in one
        transaction, so a busy worker commits once per batch instead of once per request."""
        self._results.append((job, result))
        async with self._record_lock:
            batch, self._results = self._results, []
            if not batch:
                return  # written by the task that held the lock
            try:
                async with self.db.transaction() as session:
                    await delivery.record_attempts(session, batch)
                return
            except Exception:
                logger.warning("recording %d attempts at once failed; one by one", len(batch))
            for queued_job, queued_result in batch:
                try:
                    async with self.db.transaction() as session:
                        await delivery.record_attempt(session, queued_job, queued_result)
                except Exception:
                    # The lease runs out and the delivery is sent again: at least once.
                    logger.exception(
                        "could not record the attempt of delivery %s", queued_job.delivery_id
                    )

    async def run_once(self) -> int:
        """Send every delivery due now, then return how many requests were sent."""
        sent = 0
        async with sender.new_client(self._transport) as client:
            while jobs := await self._claim(self.concurrency):
                await asyncio.gather(*(self._process(client, job) for job in jobs))
                sent += len(jobs)
        return sent

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Keep up to `concurrency` requests in flight until `stop` is set, then finish them."""
        in_flight: set[asyncio.Task[None]] = set()
        stopping = asyncio.create_task(stop.wait())
        try:
            async with sender.new_client(self._transport) as client:
                while not stop.is_set():
                    jobs: list[delivery.DeliveryJob] = []
                    room = self.concurrency - len(in_flight)
                    if room > 0:
                        try:
                            jobs = await self._claim(room)
                        except Exception:
                            logger.exception("could not claim deliveries; trying again")
                    for job in jobs:
                        in_flight.add(asyncio.create_task(self._process(client, job)))
                    if room > 0 and len(jobs) == room:
                        continue  # all it asked for: more may be due
                    await asyncio.wait(
                        {stopping, *in_flight},
                        timeout=self.settings.webhook_poll_seconds,
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                    in_flight = {task for task in in_flight if not task.done()}
                if in_flight:
                    await asyncio.gather(*in_flight, return_exceptions=True)
        finally:
            stopping.cancel()


async def run_forever(db: Database, settings: Settings, stop: asyncio.Event) -> None:
    """The worker of `faktura worker` and of `faktura serve`: an error is logged, never fatal."""
    worker = WebhookWorker(db, settings)
    while not stop.is_set():
        try:
            await worker.run_forever(stop)
        except Exception:
            logger.exception("webhook worker failed; restarting")
            await asyncio.sleep(settings.webhook_poll_seconds)
