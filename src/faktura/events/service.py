"""The event log: every state change writes its event in the same transaction (outbox).

Consumers of the log (webhooks' fan-out, the accounting feed) register themselves
(faktura/wiring.py); the log knows none of them. Each runs in the event's transaction and writes
its rows there: a committed change always reaches it, a rolled-back one never does.
"""

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.core.clock import utcnow
from faktura.core.errors import NotFound
from faktura.core.ids import uuid7
from faktura.core.tenant import Tenant, current_request_id
from faktura.db.pagination import Page, PageParams, paginate, tenant_rows
from faktura.events.catalog import EVENT_TYPES
from faktura.events.models import Event

logger = logging.getLogger(__name__)

Consumer = Callable[[AsyncSession, Event], Awaitable[object]]
_consumers: dict[str, Consumer] = {}


def register_consumer(name: str, consumer: Consumer) -> None:
    """Run `consumer` on every event recorded from now on, in the event's transaction."""
    known = _consumers.get(name)
    if known is not None and known is not consumer:
        raise ValueError(f"event consumer {name!r} is registered twice")
    _consumers[name] = consumer


async def record_event(
    session: AsyncSession,
    tenant: Tenant,
    event_type: str,
    object_type: str,
    object_id: uuid.UUID | None,
    data: dict[str, Any],
) -> Event:
    """Write an event with the change that caused it: it commits or rolls back with it.

    `data` is the object as the API shows it (JSON-ready: decimals as strings are not needed,
    the JSON column keeps what the encoder gives).
    """
    if event_type not in EVENT_TYPES:
        # A bug (the tests fail on it, tests/emitted.py); recorded all the same, since refusing
        # would undo the change it reports.
        logger.error("event type %r is not in the catalog (events/catalog.py)", event_type)
    event = Event(
        id=uuid7(),
        account_id=tenant.account_id,
        livemode=tenant.livemode,
        type=event_type,
        object_type=object_type,
        object_id=object_id,
        data=data,
        request_id=current_request_id.get(),
        created_at=utcnow(),
    )
    # Written with the transaction's next flush, together with the rows below: one statement
    # per table however many events a request records.
    session.add(event)
    if not _consumers:
        # A process that records events without wiring would silently skip webhooks and the
        # accounting feed: refuse instead.
        raise RuntimeError("no event consumers registered: call faktura.wiring.wire() first")
    for consumer in _consumers.values():
        await consumer(session, event)
    return event


async def list_events(
    session: AsyncSession,
    tenant: Tenant,
    params: PageParams,
    *,
    event_type: str | None = None,
    object_id: uuid.UUID | None = None,
) -> Page[Event]:
    statement = select(Event).where(tenant_rows(Event, tenant))
    if event_type is not None:
        if event_type.endswith(".*"):
            statement = statement.where(Event.type.startswith(event_type[:-1], autoescape=True))
        else:
            statement = statement.where(Event.type == event_type)
    if object_id is not None:
        statement = statement.where(Event.object_id == object_id)
    return await paginate(session, statement, Event.id, params)


async def get_event(session: AsyncSession, tenant: Tenant, event_id: uuid.UUID) -> Event:
    event = (
        await session.execute(
            select(Event).where(
                Event.id == event_id,
                Event.account_id == tenant.account_id,
                Event.livemode == tenant.livemode,
            )
        )
    ).scalar_one_or_none()
    if event is None:
        raise NotFound("Event not found")
    return event
