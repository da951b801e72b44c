"""The queries of customers, suppliers, contacts and tags, always within one tenant."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from faktura.core.errors import NotFound
from faktura.core.tenant import Tenant
from faktura.customers.models import CUSTOMER, Contact, Party, Tag, customer_tags
from faktura.db.pagination import tenant_rows
from faktura.db.search import contains

# How many missing ids an error message lists.
_LISTED_IDS = 5


@dataclass(frozen=True, slots=True)
class PartyFilters:
    search: str | None = None
    tag_id: uuid.UUID | None = None
    external_id: str | None = None
    created_from: datetime | None = None
    created_before: datetime | None = None


def parties(tenant: Tenant, kind: str, *, related: bool = True) -> Select[Party]:
    """The tenant's parties of one kind; customers come with their contacts and tags unless
    `related` is False (a caller that only bills the customer reads its row alone)."""
    statement = select(Party).where(tenant_rows(Party, tenant), Party.kind == kind)
    if kind == CUSTOMER and related:
        statement = statement.options(selectinload(Party.contacts), selectinload(Party.tags))
    return statement


def filtered_parties(tenant: Tenant, kind: str, filters: PartyFilters) -> Select[Party]:
    """The list query, unordered: pagination orders it newest first."""
    statement = parties(tenant, kind)
    if filters.search:
        statement = statement.where(contains(Party.search_text, filters.search))
    if filters.tag_id is not None:
        statement = statement.where(
            exists().where(
                customer_tags.c.customer_id == Party.id, customer_tags.c.tag_id == filters.tag_id
            )
        )
    if filters.external_id is not None:
        statement = statement.where(Party.external_id == filters.external_id)
    if filters.created_from is not None:
        statement = statement.where(Party.created_at >= filters.created_from)
    if filters.created_before is not None:
        statement = statement.where(Party.created_at < filters.created_before)
    return statement


def _missing(kind: str, wanted: Iterable[uuid.UUID], found: Iterable[uuid.UUID]) -> NotFound:
    missing = [str(i) for i in dict.fromkeys(wanted) if i not in set(found)]
    listed = ", ".join(missing[:_LISTED_IDS]) + (" …" if len(missing) > _LISTED_IDS else "")
    noun = kind if len(missing) == 1 else f"{kind}s"
    return NotFound(f"No such {noun}: {listed}")


async def load_party(
    session: AsyncSession,
    tenant: Tenant,
    kind: str,
    party_id: uuid.UUID,
    *,
    for_update: bool = False,
    related: bool = True,
) -> Party:
    """One party with its contacts and tags (without them when `related` is False).

    `for_update` locks its row until the transaction ends (PostgreSQL; SQLite's write
    transactions are serial anyway): changes to one customer's contacts then run one after
    another, so "at least one contact" and "one primary" cannot be broken by two at once.
    """
    statement = parties(tenant, kind, related=related).where(Party.id == party_id)
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    party = (await session.execute(statement)).scalar_one_or_none()
    if party is None:
        raise _missing(kind, [party_id], [])
    return party


async def load_customers(
    session: AsyncSession,
    tenant: Tenant,
    customer_ids: list[uuid.UUID],
) -> list[Party]:
    """All the customers named, each once, locked for update in id order (so two bulk
    requests cannot deadlock); NotFound naming the ids that are not ours."""
    wanted = list(dict.fromkeys(customer_ids))
    statement = (
        parties(tenant, CUSTOMER)
        .where(Party.id.in_(wanted))
        .order_by(Party.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    found = list((await session.execute(statement)).scalars())
    if len(found) != len(wanted):
        raise _missing("customer", wanted, [p.id for p in found])
    return found


async def external_id_taken(
    session: AsyncSession,
    tenant: Tenant,
    kind: str,
    external_id: str,
    other_than: uuid.UUID | None = None,
) -> bool:
    statement = select(Party.id).where(
        Party.account_id == tenant.account_id,
        Party.livemode == tenant.livemode,
        Party.kind == kind,
        Party.external_id == external_id,
    )
    if other_than is not None:
        statement = statement.where(Party.id != other_than)
    with session.no_autoflush:  # the pending change is what is being checked
        return (await session.execute(statement.limit(1))).first() is not None


def contacts(tenant: Tenant) -> Select[Contact]:
    return select(Contact).where(tenant_rows(Contact, tenant))


async def contact_customer_id(
    session: AsyncSession, tenant: Tenant, contact_id: uuid.UUID
) -> uuid.UUID:
    """The customer of a contact, without loading the contact (its customer is locked first)."""
    customer_id = (
        await session.execute(
            select(Contact.customer_id).where(
                Contact.id == contact_id,
                Contact.account_id == tenant.account_id,
                Contact.livemode == tenant.livemode,
            )
        )
    ).scalar_one_or_none()
    if customer_id is None:
        raise _missing("contact", [contact_id], [])
    return customer_id


async def load_contact(session: AsyncSession, tenant: Tenant, contact_id: uuid.UUID) -> Contact:
    contact = (
        await session.execute(contacts(tenant).where(Contact.id == contact_id))
    ).scalar_one_or_none()
    if contact is None:
        raise _missing("contact", [contact_id], [])
    return contact


def tags(tenant: Tenant) -> Select[Tag]:
    return select(Tag).where(tenant_rows(Tag, tenant))


async def load_tags(session: AsyncSession, tenant: Tenant, tag_ids: list[uuid.UUID]) -> list[Tag]:
    """All the tags named, each once; NotFound naming the ids that are not ours."""
    wanted = list(dict.fromkeys(tag_ids))
    if not wanted:
        return []
    found = list((await session.execute(tags(tenant).where(Tag.id.in_(wanted)))).scalars())
    if len(found) != len(wanted):
        raise _missing("tag", wanted, [t.id for t in found])
    return found


async def find_tags_by_name(
    session: AsyncSession, tenant: Tenant, name_keys: list[str]
) -> dict[str, Tag]:
    if not name_keys:
        return {}
    found = (await session.execute(tags(tenant).where(Tag.name_key.in_(name_keys)))).scalars()
    return {tag.name_key: tag for tag in found}


async def customer_counts(session: AsyncSession, tag_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not tag_ids:
        return {}
    rows = await session.execute(
        select(customer_tags.c.tag_id, func.count())
        .where(customer_tags.c.tag_id.in_(tag_ids))
        .group_by(customer_tags.c.tag_id)
    )
    return {tag_id: count for tag_id, count in rows}
