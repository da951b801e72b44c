"""The event log: every state change writes its event in the same transaction (outbox)."""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.accounting import service as accounting_service
from faktura.core.clock import utcnow
from faktura.core.errors import NotFound
from faktura.core.ids import uuid7
from faktura.core.tenant import Tenant, current_request_id
from faktura.db.pagination import Page, PageParams, paginate, tenant_rows
from faktura.events.models import Event
from faktura.webhooks import fanout as webhooks_fanout


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
    # Consumers of the log write their rows in this same transaction (outbox): a committed
    # change always reaches them, a rolled-back one never does.
    await webhooks_fanout.enqueue_deliveries(session, event)
    await accounting_service.record_change(session, event)
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
