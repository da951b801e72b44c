"""The accounting change feed: what an external ledger has still to take, and what it took."""

import uuid
from typing import Literal

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from faktura.accounting.models import AccountingChange
from faktura.core.clock import utcnow
from faktura.core.errors import NotFound
from faktura.core.tenant import Tenant
from faktura.db.pagination import Page, PageParams, paginate, tenant_rows
from faktura.events.models import Event

# The objects a ledger books: every event about one of them is a change to take.
ACCOUNTING_OBJECT_TYPES = ("invoice", "payment", "credit_note", "customer")
STATUSES = ("pending", "synced", "failed")

Action = Literal["mark_synced", "mark_failed"]


async def record_change(session: AsyncSession, event: Event) -> AccountingChange | None:
    """Called for every event, in its transaction: the feed misses no committed change."""
    if event.object_type not in ACCOUNTING_OBJECT_TYPES:
        return None
    now = utcnow()
    change = AccountingChange(
        account_id=event.account_id,
        livemode=event.livemode,
        event_id=event.id,
        change_type=event.type,
        object_type=event.object_type,
        object_id=event.object_id,
        status="pending",
        created_at=now,
        updated_at=now,
    )
    session.add(change)
    return change


def _changes(tenant: Tenant) -> Select[AccountingChange]:
    return (
        select(AccountingChange)
        .where(tenant_rows(AccountingChange, tenant))
        .options(selectinload(AccountingChange.event))
    )


async def list_changes(
    session: AsyncSession,
    tenant: Tenant,
    params: PageParams,
    *,
    status: str | None = None,
    object_type: str | None = None,
) -> Page[AccountingChange]:
    statement = _changes(tenant)
    if status is not None:
        statement = statement.where(AccountingChange.status == status)
    if object_type is not None:
        statement = statement.where(AccountingChange.object_type == object_type)
    return await paginate(session, statement, AccountingChange.id, params)


async def update_changes(
    session: AsyncSession,
    tenant: Tenant,
    action: Action,
    change_ids: list[uuid.UUID],
    error_message: str | None,
) -> list[AccountingChange]:
    """Mark every change of the list, or none: an unknown id is a 404 and changes nothing."""
    wanted = list(dict.fromkeys(change_ids))
    found = (
        (
            await session.execute(
                _changes(tenant).where(AccountingChange.id.in_(wanted)).with_for_update()
            )
        )
        .scalars()
        .all()
    )
    by_id = {change.id: change for change in found}
    missing = [str(change_id) for change_id in wanted if change_id not in by_id]
    if missing:
        raise NotFound(f"No such accounting change: {', '.join(missing)}")
    now = utcnow()
    synced = action == "mark_synced"
    for change in found:
        change.status = "synced" if synced else "failed"
        change.error_message = None if synced else error_message
        change.synced_at = now if synced else None
        change.updated_at = now
    await session.flush()
    return [by_id[change_id] for change_id in wanted]
