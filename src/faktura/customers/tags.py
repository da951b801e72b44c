"""Tags: named labels on customers, created on first use, assigned one by one or in bulk."""

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.core.clock import utcnow
from faktura.core.errors import Conflict, NotFound, ValidationFailed
from faktura.core.tenant import Tenant
from faktura.customers import queries
from faktura.customers.models import Party, Tag
from faktura.customers.schemas import customer_out, previous_attributes, tag_out
from faktura.db.pagination import Page, PageParams, paginate
from faktura.events.service import record_event


def _parse_id(reference: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(reference)
    except ValueError:
        return None


def _new_tag(tenant: Tenant, name: str) -> Tag:
    now = utcnow()
    return Tag(
        account_id=tenant.account_id,
        livemode=tenant.livemode,
        name=name,
        name_key=name.casefold(),
        created_at=now,
        updated_at=now,
    )


async def _record_tag_event(
    session: AsyncSession, tenant: Tenant, event_type: str, tag: Tag, **extra: object
) -> None:
    counts = await queries.customer_counts(session, [tag.id])
    data = {"object": tag_out(tag, counts.get(tag.id, 0)).model_dump(), **extra}
    await record_event(session, tenant, event_type, "tag", tag.id, data)


async def _save_tag(session: AsyncSession, tag: Tag) -> None:
    """Flush a new or renamed tag; a name taken meanwhile is a conflict, not a 500."""
    try:
        async with session.begin_nested():
            session.add(tag)
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"A tag named '{tag.name}' already exists") from exc


async def _create_named_tag(session: AsyncSession, tenant: Tenant, name: str) -> Tag:
    """A tag created on first use; if a concurrent request just created it, that one."""
    tag = _new_tag(tenant, name)
    try:
        await _save_tag(session, tag)
    except Conflict:
        found = await queries.find_tags_by_name(session, tenant, [tag.name_key])
        if tag.name_key not in found:
            raise
        return found[tag.name_key]
    await _record_tag_event(session, tenant, "tag.created", tag)
    return tag


async def resolve_tags(
    session: AsyncSession,
    tenant: Tenant,
    references: list[str],
    field: str = "tags",
) -> list[Tag]:
    """Tags by id or name, in order and each once. Ids must be ours; new names are created."""
    ids = [parsed for ref in references if (parsed := _parse_id(ref)) is not None]
    by_id = {tag.id: tag for tag in await queries.load_tags(session, tenant, ids)}
    names: dict[str, str] = {}  # case-folded name → the name as first written
    for ref in references:
        if _parse_id(ref) is None:
            names.setdefault(ref.casefold(), ref)
    by_name = await queries.find_tags_by_name(session, tenant, list(names))
    result: dict[uuid.UUID, Tag] = {}
    for reference in references:
        tag_id = _parse_id(reference)
        if tag_id is not None:
            tag = by_id[tag_id]
        else:
            key = reference.casefold()
            if key not in by_name:
                by_name[key] = await _create_named_tag(session, tenant, names[key])
            tag = by_name[key]
        result.setdefault(tag.id, tag)
    return list(result.values())


async def find_tag(session: AsyncSession, tenant: Tenant, reference: str) -> Tag:
    """A tag by id or by name (any case), for list filters."""
    tag_id = _parse_id(reference)
    if tag_id is not None:
        return (await queries.load_tags(session, tenant, [tag_id]))[0]
    tag = (await queries.find_tags_by_name(session, tenant, [reference.casefold()])).get(
        reference.casefold()
    )
    if tag is None:
        raise NotFound(f"No tag named '{reference}'")
    return tag


async def get_tag(session: AsyncSession, tenant: Tenant, tag_id: uuid.UUID) -> tuple[Tag, int]:
    tag = (await queries.load_tags(session, tenant, [tag_id]))[0]
    counts = await queries.customer_counts(session, [tag.id])
    return tag, counts.get(tag.id, 0)


async def list_tags(
    session: AsyncSession, tenant: Tenant, params: PageParams
) -> tuple[Page[Tag], dict[uuid.UUID, int]]:
    page = await paginate(session, queries.tags(tenant), Tag.id, params)
    counts = await queries.customer_counts(session, [tag.id for tag in page.items])
    return page, counts


async def create_tag(session: AsyncSession, tenant: Tenant, name: str) -> Tag:
    if await queries.find_tags_by_name(session, tenant, [name.casefold()]):
        raise Conflict(f"A tag named '{name}' already exists")
    tag = _new_tag(tenant, name)
    await _save_tag(session, tag)
    await _record_tag_event(session, tenant, "tag.created", tag)
    return tag


async def rename_tag(session: AsyncSession, tenant: Tenant, tag_id: uuid.UUID, name: str) -> Tag:
    tag = (await queries.load_tags(session, tenant, [tag_id]))[0]
    if name == tag.name:
        return tag
    clash = (await queries.find_tags_by_name(session, tenant, [name.casefold()])).get(
        name.casefold()
    )
    if clash is not None and clash.id != tag.id:
        raise Conflict(f"A tag named '{name}' already exists")
    previous = tag.name
    tag.name, tag.name_key, tag.updated_at = name, name.casefold(), utcnow()
    await _save_tag(session, tag)
    await _record_tag_event(
        session, tenant, "tag.updated", tag, previous_attributes={"name": previous}
    )
    return tag


async def delete_tag(session: AsyncSession, tenant: Tenant, tag_id: uuid.UUID) -> None:
    """Removes the tag from its customers too (one tag.deleted event, not one per customer)."""
    tag = (await queries.load_tags(session, tenant, [tag_id]))[0]
    await _record_tag_event(session, tenant, "tag.deleted", tag)
    await session.delete(tag)
    await session.flush()


async def change_customer_tags(
    session: AsyncSession,
    tenant: Tenant,
    customer_ids: list[uuid.UUID],
    add_tag_ids: list[uuid.UUID],
    remove_tag_ids: list[uuid.UUID],
) -> tuple[int, int]:
    """Add and remove tags on many customers, all or nothing: (customers named, changed).

    Every id must be one of the tenant's, else NotFound names the missing ones and nothing
    changes. Each customer whose tags changed gets its customer.updated event.
    """
    both = set(add_tag_ids) & set(remove_tag_ids)
    if both:
        raise ValidationFailed.on_field(
            "remove_tag_ids", f"tag {sorted(map(str, both))[0]} is also in add_tag_ids"
        )
    customers = await queries.load_customers(session, tenant, customer_ids)
    adding = await queries.load_tags(session, tenant, add_tag_ids)
    removing = {tag.id for tag in await queries.load_tags(session, tenant, remove_tag_ids)}
    changed: list[tuple[Party, dict[str, object]]] = []
    for customer in customers:
        current = {tag.id for tag in customer.tags}
        wanted = (current - removing) | {tag.id for tag in adding}
        if wanted == current:
            continue
        before = customer_out(customer).model_dump()
        kept = [tag for tag in customer.tags if tag.id in wanted]
        customer.tags = sorted(
            kept + [tag for tag in adding if tag.id not in current], key=lambda t: t.name_key
        )
        customer.updated_at = utcnow()
        changed.append((customer, before))
    await session.flush()
    for customer, before in changed:
        after = customer_out(customer).model_dump()
        await record_event(
            session,
            tenant,
            "customer.updated",
            "customer",
            customer.id,
            {"object": after, "previous_attributes": previous_attributes(before, after)},
        )
    return len(customers), len(changed)
