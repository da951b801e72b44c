"""Fan-out: an event becomes one pending delivery per matching endpoint, in the event's own
transaction.

Why here and not in the worker: a delivery row exists exactly when its event committed (the
same transaction writes both), so no event can be missed and none is fanned out twice — the
unique (endpoint_id, event_id) constraint stands behind that. A worker scanning the event log
after a cursor could skip an event whose transaction commits after a later one (ids are not
commit order on PostgreSQL). The price is one indexed query on the account's endpoints, which
are few, per transaction (webhooks/active_endpoints.py).
"""

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.core.clock import utcnow
from faktura.core.ids import uuid7
from faktura.events.models import Event
from faktura.webhooks import active_endpoints, queue
from faktura.webhooks.catalog import subscribes_to
from faktura.webhooks.models import WebhookDelivery


def new_delivery(event: Event, endpoint_id: object) -> WebhookDelivery:
    now = utcnow()
    return WebhookDelivery(
        id=uuid7(),
        account_id=event.account_id,
        livemode=event.livemode,
        endpoint_id=endpoint_id,
        event_id=event.id,
        event_type=event.type,
        status="pending",
        attempt_count=0,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )


async def enqueue_deliveries(session: AsyncSession, event: Event) -> int:
    """Add a pending delivery of `event`, and its job, for each active endpoint that subscribes
    to it (the rows are written with the transaction's next flush)."""
    endpoints = await active_endpoints.read(session, event.account_id, event.livemode)
    matching = [
        endpoint_id for endpoint_id, events in endpoints if subscribes_to(events, event.type)
    ]
    for endpoint_id in matching:
        delivery = new_delivery(event, endpoint_id)
        session.add(delivery)
        queue.enqueue_delivery(session, delivery)
    return len(matching)
