"""Webhook deliveries as jobs: one `webhooks.deliver` job per delivery, keyed by its id.

The delivery keeps its own attempt log and retry schedule (delivery.py): a failed attempt
finishes the run and asks for the next at the delivery's `next_attempt_at`; the job's attempts
and back-off only come into play when the run itself breaks (the database is unreachable, the
worker is killed).
"""

import uuid

from faktura.jobs.kinds import JobContext, JobKind, Registry
from faktura.webhooks import delivery, queue, sender


async def _deliver(ctx: JobContext) -> None:
    delivery_id = ctx.payload["delivery_id"]
    async with ctx.db.transaction(writes=False) as session:
        job = await delivery.load(session, uuid.UUID(delivery_id))
    if job is None:
        return
    result = await sender.send(
        ctx.http,
        job,
        allowed_hosts=ctx.settings.webhook_allowed_hosts,
        timeout_seconds=ctx.settings.webhook_timeout_seconds,
    )
    async with ctx.finishing() as session:
        next_attempt_at = await delivery.record_attempt(
            session, job, result, lease_held=ctx.lease_held
        )
        if next_attempt_at is not None:
            ctx.run_again(next_attempt_at)


DELIVER = JobKind(queue.KIND, _deliver, max_attempts=delivery.MAX_ATTEMPTS + 5)


def register(registry: Registry) -> None:
    registry.register(DELIVER)
