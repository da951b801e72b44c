"""Putting deliveries on the job queue: one `webhooks.deliver` job per delivery, keyed by its
id (the handler is webhooks/jobs.py)."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.core.errors import InvalidState
from faktura.core.tenant import Tenant
from faktura.jobs import service as jobs
from faktura.webhooks.models import WebhookDelivery

KIND = "webhooks.deliver"


def enqueue_delivery(session: AsyncSession, new_delivery: WebhookDelivery) -> None:
    """A new delivery's job, in the transaction that writes the delivery (with its event)."""
    jobs.enqueue(
        session,
        KIND,
        {"delivery_id": str(new_delivery.id)},
        tenant=Tenant(new_delivery.account_id, new_delivery.livemode),
        run_at=new_delivery.next_attempt_at,
        dedupe_key=str(new_delivery.id),
    )


async def send_again(session: AsyncSession, pending: WebhookDelivery, at: datetime) -> None:
    """Run the delivery's job again at `at`; InvalidState while a worker is sending it."""
    try:
        await jobs.enqueue_or_rearm(
            session,
            KIND,
            {"delivery_id": str(pending.id)},
            tenant=Tenant(pending.account_id, pending.livemode),
            run_at=at,
            dedupe_key=str(pending.id),
        )
    except InvalidState as exc:
        raise InvalidState("The delivery is being sent right now") from exc
