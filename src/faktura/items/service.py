"""The item catalog: create, change, search, and delete or archive items."""

import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.accounts import service as accounts_service
from faktura.core.clock import utcnow
from faktura.core.errors import Conflict, NotFound, ValidationFailed
from faktura.core.tenant import Tenant
from faktura.db.pagination import Page, PageParams, paginate, tenant_rows
from faktura.db.search import contains, search_text
from faktura.documents import queries as documents_queries
from faktura.events.service import record_event
from faktura.items.models import Item
from faktura.items.schemas import ItemCreate, ItemUpdate, item_out

_FIELDS = (
    "name",
    "description",
    "unit_price",
    "currency",
    "unit",
    "unit_code",
    "sku",
    "vat_type",
    "vat_rate_id",
    "active",
)


async def item_is_used(session: AsyncSession, tenant: Tenant, item_id: uuid.UUID) -> bool:
    """Whether a document line refers to the item: then deleting it archives it instead."""
    return await documents_queries.item_is_used(session, tenant, item_id)


def _items(tenant: Tenant) -> Select[Item]:
    return select(Item).where(tenant_rows(Item, tenant))


def _out(item: Item) -> dict[str, Any]:
    return item_out(item).model_dump()


async def _check_vat_rate(session: AsyncSession, tenant: Tenant, vat_rate_id: str | None) -> None:
    if vat_rate_id is None:
        return
    account = await accounts_service.get_account(session, tenant.account_id)
    if vat_rate_id not in {rate["id"] for rate in account.vat_rates}:
        raise ValidationFailed.on_field(
            "vat_rate_id", f"'{vat_rate_id}' is not one of the account's vat_rates"
        )


async def _check_sku(session: AsyncSession, tenant: Tenant, item: Item) -> None:
    if item.sku is None:
        return
    statement = _items(tenant).where(Item.sku == item.sku)
    if item.id is not None:
        statement = statement.where(Item.id != item.id)
    with session.no_autoflush:  # the pending change is what is being checked
        taken = (await session.execute(statement.limit(1))).first() is not None
    if taken:
        raise Conflict(f"Another item has sku '{item.sku}'")


async def _save(session: AsyncSession, item: Item) -> None:
    """Flush; a sku taken by a concurrent request is a conflict, not a 500."""
    item.search_text = search_text(item.name, item.sku, item.description)
    try:
        async with session.begin_nested():
            session.add(item)
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"Another item has sku '{item.sku}'") from exc


async def create_item(session: AsyncSession, tenant: Tenant, data: ItemCreate) -> Item:
    await _check_vat_rate(session, tenant, data.vat_rate_id)
    currency = data.currency
    if currency is None:
        currency = (await accounts_service.get_account(session, tenant.account_id)).default_currency
    item = Item(
        account_id=tenant.account_id,
        livemode=tenant.livemode,
        **{name: getattr(data, name) for name in _FIELDS if name != "currency"},
        currency=currency,
    )
    await _check_sku(session, tenant, item)
    await _save(session, item)
    await record_event(session, tenant, "item.created", "item", item.id, {"object": _out(item)})
    return item


async def get_item(session: AsyncSession, tenant: Tenant, item_id: uuid.UUID) -> Item:
    item: Item | None = (
        await session.execute(_items(tenant).where(Item.id == item_id))
    ).scalar_one_or_none()
    if item is None:
        raise NotFound(f"No such item: {item_id}")
    return item


async def list_items(
    session: AsyncSession,
    tenant: Tenant,
    params: PageParams,
    *,
    search: str | None = None,
    active: bool | None = None,
) -> Page[Item]:
    """Newest first; `search` matches name, sku and description, case-insensitively."""
    statement = _items(tenant)
    if search:
        statement = statement.where(contains(Item.search_text, search))
    if active is not None:
        statement = statement.where(Item.active == active)
    return await paginate(session, statement, Item.id, params)


async def _record_update(
    session: AsyncSession, tenant: Tenant, item: Item, before: dict[str, Any]
) -> None:
    after = _out(item)
    changed = {k: v for k, v in before.items() if k != "updated_at" and after[k] != v}
    if not changed:
        return
    item.updated_at = utcnow()
    await session.flush()
    await record_event(
        session,
        tenant,
        "item.updated",
        "item",
        item.id,
        {"object": _out(item), "previous_attributes": changed},
    )


async def update_item(
    session: AsyncSession, tenant: Tenant, item_id: uuid.UUID, changes: ItemUpdate
) -> Item:
    item = await get_item(session, tenant, item_id)
    before = _out(item)
    given = changes.model_fields_set
    if "vat_rate_id" in given:
        await _check_vat_rate(session, tenant, changes.vat_rate_id)
    for name in _FIELDS:
        if name in given:
            setattr(item, name, getattr(changes, name))
    if "sku" in given:
        await _check_sku(session, tenant, item)
    await _save(session, item)
    await _record_update(session, tenant, item, before)
    return item


async def delete_item(session: AsyncSession, tenant: Tenant, item_id: uuid.UUID) -> bool:
    """Remove the item, or archive it (active: false) once used. True when removed."""
    item = await get_item(session, tenant, item_id)
    if await item_is_used(session, tenant, item.id):
        before = _out(item)
        item.active = False
        await session.flush()
        await _record_update(session, tenant, item, before)
        return False
    await record_event(session, tenant, "item.deleted", "item", item.id, {"object": _out(item)})
    await session.delete(item)
    await session.flush()
    return True
