"""Fan-out: an event becomes one pending delivery per matching endpoint, in the event's own
transaction.

Why here and not in the worker: a delivery row exists exactly when its event committed (the
same transaction writes both), so no event can be missed and none is fanned out twice — the
unique (endpoint_id, event_id) constraint stands behind that. A worker scanning the event log
after a cursor could skip an event whose transaction commits after a later one (ids are not
commit order on PostgreSQL). The price is one indexed query per event on the account's
endpoints, which are few — read once per transaction: a request that writes several events
asks once (`forget_endpoints` drops that copy when the transaction changes an endpoint).
"""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.core.clock import utcnow
from faktura.core.ids import uuid7
from faktura.events.models import Event
from faktura.webhooks import queue
from faktura.webhooks.catalog import subscribes_to
from faktura.webhooks.models import WebhookDelivery, WebhookEndpoint


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


_ENDPOINTS = "faktura.active_webhook_endpoints"


async def _active_endpoints(
    session: AsyncSession, account_id: uuid.UUID, livemode: bool
) -> list[tuple[uuid.UUID, Any]]:
    """(id, events) of the account's active endpoints, read once per transaction."""
    known: dict[tuple[uuid.UUID, bool], list[tuple[uuid.UUID, Any]]]
    known = session.info.setdefault(_ENDPOINTS, {})
    if (account_id, livemode) not in known:
        rows = await session.execute(
            select(WebhookEndpoint.id, WebhookEndpoint.events)
            .where(
                WebhookEndpoint.account_id == account_id,
                WebhookEndpoint.livemode == livemode,
                WebhookEndpoint.is_active.is_(True),
            )
            # Pending rows of the request need not be written for this: they go later, together.
            .execution_options(autoflush=False)
        )
        known[(account_id, livemode)] = [(row.id, row.events) for row in rows]
    return known[(account_id, livemode)]


def forget_endpoints(session: AsyncSession) -> None:
    """The transaction changed an endpoint: the next event reads the endpoints again."""
    session.info.pop(_ENDPOINTS, None)


async def enqueue_deliveries(session: AsyncSession, event: Event) -> int:
    """Add a pending delivery of `event`, and its job, for each active endpoint that subscribes
    to it (the rows are written with the transaction's next flush)."""
    endpoints = await _active_endpoints(session, event.account_id, event.livemode)
    matching = [
        endpoint_id for endpoint_id, events in endpoints if subscribes_to(events, event.type)
    ]
    for endpoint_id in matching:
        delivery = new_delivery(event, endpoint_id)
        session.add(delivery)
        queue.enqueue_delivery(session, delivery)
    return len(matching)
