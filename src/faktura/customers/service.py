"""Customers and suppliers, and the contacts of customers: the rules and their events.

Rules kept here: a customer always has at least one contact and exactly one primary contact;
a customer PATCH changes its fields, tags and contacts in one go or not at all; a tax id is
checked for the address country; `external_id` is unique per account, mode and kind; a customer
with issued documents or recorded payments cannot be deleted.
"""

import uuid
from dataclasses import replace
from typing import Any, cast

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.accounts import service as accounts_service
from faktura.api.schemas import ElectronicAddress
from faktura.core.clock import utcnow
from faktura.core.errors import Conflict, InvalidState, NotFound, ValidationFailed
from faktura.core.tenant import Tenant
from faktura.customers import queries, tags
from faktura.customers.models import CUSTOMER, SUPPLIER, Contact, Party
from faktura.customers.schemas import (
    MAX_METADATA_KEYS,
    ContactCreate,
    ContactIn,
    ContactUpdate,
    ContactUpsert,
    CustomerCreate,
    CustomerUpdate,
    PartyCreate,
    PartyUpdate,
    contact_out,
    customer_out,
    previous_attributes,
    supplier_out,
)
from faktura.customers.tax_ids import InvalidTaxId, check_tax_id, compact_tax_id
from faktura.db.pagination import Page, PageParams, paginate
from faktura.db.search import search_text
from faktura.db.types import AddressData, ElectronicAddressData
from faktura.documents import queries as documents_queries
from faktura.events.service import record_event
from faktura.payments import queries as payments_queries

# A change to any of these may need scheduled messages to the contact rewritten.
COMMUNICATION_FIELDS = ("contact_name", "email", "phone", "phone_secondary")
_PARTY_FIELDS = (
    "company_name",
    "email",
    "phone",
    "tax_id",
    "currency",
    "timezone",
    "locale",
    "external_id",
    "notes",
)
_CONTACT_FIELDS = (
    "contact_name",
    "email",
    "phone",
    "phone_type",
    "phone_secondary",
    "phone_type_secondary",
    "escalation_level",
    "title",
    "notes",
)


async def customer_has_issued_documents(
    session: AsyncSession, tenant: Tenant, customer_id: uuid.UUID
) -> bool:
    """Whether an issued (finalized) document names the customer: then it cannot be deleted."""
    return await documents_queries.customer_has_issued_documents(session, tenant, customer_id)


# Customers and suppliers


def _out(party: Party) -> dict[str, Any]:
    shaped = customer_out(party) if party.kind == CUSTOMER else supplier_out(party)
    return shaped.model_dump()


def _refresh_search_text(party: Party, contacts: list[Contact]) -> None:
    party.search_text = search_text(
        party.company_name,
        party.email,
        party.tax_id,
        compact_tax_id(party.tax_id) if party.tax_id else None,
        party.external_id,
        *(value for contact in contacts for value in (contact.contact_name, contact.email)),
    )


def _check_tax_id(party: Party) -> None:
    if party.tax_id is None:
        return
    try:
        check_tax_id(party.tax_id, party.address.get("country"))
    except InvalidTaxId as exc:
        raise ValidationFailed.on_field("tax_id", str(exc)) from exc


async def _check_external_id(session: AsyncSession, tenant: Tenant, party: Party) -> None:
    if party.external_id is not None and await queries.external_id_taken(
        session, tenant, party.kind, party.external_id, other_than=party.id
    ):
        raise Conflict(f"Another {party.kind} has external_id '{party.external_id}'")


async def _flush_party(session: AsyncSession, party: Party) -> None:
    """Flush; an external_id taken by a concurrent request is a conflict, not a 500."""
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"Another {party.kind} has external_id '{party.external_id}'") from exc


async def _new_party(session: AsyncSession, tenant: Tenant, kind: str, data: PartyCreate) -> Party:
    currency = data.currency
    if currency is None:
        currency = (await accounts_service.get_account(session, tenant.account_id)).default_currency
    party = Party(
        account_id=tenant.account_id,
        livemode=tenant.livemode,
        kind=kind,
        company_name=data.company_name,
        email=data.email,
        phone=data.phone,
        tax_id=data.tax_id,
        address=data.address.model_dump(exclude_none=True) if data.address else {},
        electronic_address=_electronic_address(data.electronic_address),
        currency=currency,
        timezone=data.timezone,
        locale=data.locale,
        external_id=data.external_id,
        notes=data.notes,
        metadata_=dict(data.metadata),
    )
    _check_tax_id(party)
    await _check_external_id(session, tenant, party)
    return party


async def create_customer(session: AsyncSession, tenant: Tenant, data: CustomerCreate) -> Party:
    primaries = [i for i, contact in enumerate(data.contacts) if contact.is_primary]
    if len(primaries) > 1:
        raise ValidationFailed.on_field(
            f"contacts[{primaries[1]}].is_primary", "only one contact can be primary"
        )
    party = await _new_party(session, tenant, CUSTOMER, data)
    party.reminders_enabled = data.reminders_enabled
    party.contacts = [_new_contact(tenant, contact) for contact in data.contacts]
    party.contacts[primaries[0] if primaries else 0].is_primary = True
    party.tags = sorted(
        await tags.resolve_tags(session, tenant, data.tags), key=lambda t: t.name_key
    )
    _refresh_search_text(party, party.contacts)
    session.add(party)
    await _flush_party(session, party)
    await record_event(
        session, tenant, "customer.created", "customer", party.id, {"object": _out(party)}
    )
    for event_type, event_data in _contact_events({}, party.contacts):
        await record_event(
            session, tenant, event_type, "contact", event_data["object"]["id"], event_data
        )
    return party


async def create_supplier(session: AsyncSession, tenant: Tenant, data: PartyCreate) -> Party:
    party = await _new_party(session, tenant, SUPPLIER, data)
    _refresh_search_text(party, [])
    session.add(party)
    await _flush_party(session, party)
    await record_event(
        session, tenant, "supplier.created", "supplier", party.id, {"object": _out(party)}
    )
    return party


async def get_customer(
    session: AsyncSession, tenant: Tenant, customer_id: uuid.UUID, *, related: bool = True
) -> Party:
    """A customer with its contacts and tags; `related=False` for callers that only bill it."""
    return await queries.load_party(session, tenant, CUSTOMER, customer_id, related=related)


async def get_supplier(session: AsyncSession, tenant: Tenant, supplier_id: uuid.UUID) -> Party:
    return await queries.load_party(session, tenant, SUPPLIER, supplier_id)


async def list_parties(
    session: AsyncSession,
    tenant: Tenant,
    kind: str,
    params: PageParams,
    filters: queries.PartyFilters,
    tag: str | None = None,
) -> Page[Party]:
    """Newest first. `tag` (customers: an id or a name) must name one of the tenant's tags."""
    if tag is not None:
        found = await tags.find_tag(session, tenant, tag)
        filters = replace(filters, tag_id=found.id)
    return await paginate(
        session, queries.filtered_parties(tenant, kind, filters), Party.id, params
    )


def _electronic_address(given: ElectronicAddress | None) -> ElectronicAddressData | None:
    return None if given is None else cast(ElectronicAddressData, given.model_dump())


def _apply_party_changes(party: Party, changes: PartyUpdate) -> None:
    given = changes.model_fields_set
    for name in _PARTY_FIELDS:
        if name in given:
            setattr(party, name, getattr(changes, name))
    if "address" in given:
        party.address = cast(
            AddressData, changes.address.model_dump(exclude_none=True) if changes.address else {}
        )
    if "electronic_address" in given:
        party.electronic_address = _electronic_address(changes.electronic_address)
    if "metadata" in given:
        if changes.metadata is None:
            party.metadata_ = {}
        else:
            merged = {**party.metadata_, **changes.metadata}
            party.metadata_ = {k: v for k, v in merged.items() if v is not None}
            if len(party.metadata_) > MAX_METADATA_KEYS:
                raise ValidationFailed.on_field(
                    "metadata", f"at most {MAX_METADATA_KEYS} keys in all"
                )
    if given & {"tax_id", "address"}:
        _check_tax_id(party)


async def update_customer(
    session: AsyncSession,
    tenant: Tenant,
    customer_id: uuid.UUID,
    changes: CustomerUpdate,
) -> Party:
    """Fields, tags and contacts change together; any failure leaves everything as it was."""
    party = await queries.load_party(session, tenant, CUSTOMER, customer_id, for_update=True)
    before = _out(party)
    contacts_before = _contacts_snapshot(party)
    _apply_party_changes(party, changes)
    if changes.reminders_enabled is not None:
        party.reminders_enabled = changes.reminders_enabled
    if "external_id" in changes.model_fields_set:
        await _check_external_id(session, tenant, party)
    if changes.tags is not None:
        party.tags = sorted(
            await tags.resolve_tags(session, tenant, changes.tags), key=lambda t: t.name_key
        )
    if changes.contacts is not None or changes.delete_contact_ids is not None:
        await _upsert_contacts(
            session, tenant, party, changes.contacts or [], changes.delete_contact_ids or []
        )
    _refresh_search_text(party, party.contacts)
    await _flush_party(session, party)
    await _record_changes(session, tenant, party, before, contacts_before)
    return party


async def update_supplier(
    session: AsyncSession,
    tenant: Tenant,
    supplier_id: uuid.UUID,
    changes: PartyUpdate,
) -> Party:
    party = await get_supplier(session, tenant, supplier_id)
    before = _out(party)
    _apply_party_changes(party, changes)
    if "external_id" in changes.model_fields_set:
        await _check_external_id(session, tenant, party)
    _refresh_search_text(party, [])
    await _flush_party(session, party)
    await _record_changes(session, tenant, party, before)
    return party


async def _record_changes(
    session: AsyncSession,
    tenant: Tenant,
    party: Party,
    before: dict[str, Any],
    contacts_before: dict[uuid.UUID, dict[str, Any]] | None = None,
) -> None:
    """The events of a change to a customer or supplier, after it is flushed.

    customer.updated (supplier.updated) when its own fields or tags changed; for a customer,
    contact.created / updated / deleted for each contact that changed. Its updated_at moves
    with either.
    """
    own_before = {k: v for k, v in before.items() if k != "contacts"}
    changed = previous_attributes(own_before, _out(party))
    contact_events = (
        [] if contacts_before is None else _contact_events(contacts_before, party.contacts)
    )
    if not changed and not contact_events:
        return
    party.updated_at = utcnow()
    await session.flush()
    if changed:
        await record_event(
            session,
            tenant,
            f"{party.kind}.updated",
            party.kind,
            party.id,
            {"object": _out(party), "previous_attributes": changed},
        )
    for event_type, data in contact_events:
        await record_event(session, tenant, event_type, "contact", data["object"]["id"], data)


async def delete_customer(session: AsyncSession, tenant: Tenant, customer_id: uuid.UUID) -> None:
    party = await queries.load_party(session, tenant, CUSTOMER, customer_id, for_update=True)
    if await customer_has_issued_documents(session, tenant, party.id):
        raise InvalidState(
            "The customer has issued documents and cannot be deleted; its documents keep it"
        )
    if await payments_queries.customer_has_payments(session, tenant, party.id):
        raise InvalidState(
            "The customer has recorded payments and cannot be deleted; its payments keep it"
        )
    await documents_queries.delete_draft_documents_of_customer(session, tenant, party.id)
    await record_event(
        session, tenant, "customer.deleted", "customer", party.id, {"object": _out(party)}
    )
    await session.delete(party)
    await session.flush()


async def delete_supplier(session: AsyncSession, tenant: Tenant, supplier_id: uuid.UUID) -> None:
    party = await get_supplier(session, tenant, supplier_id)
    await record_event(
        session, tenant, "supplier.deleted", "supplier", party.id, {"object": _out(party)}
    )
    await session.delete(party)
    await session.flush()


# Contacts


def _new_contact(tenant: Tenant, data: ContactIn) -> Contact:
    return Contact(
        account_id=tenant.account_id,
        livemode=tenant.livemode,
        contact_name=data.contact_name,
        email=data.email,
        phone=data.phone,
        phone_type=data.phone_type,
        phone_secondary=data.phone_secondary,
        phone_type_secondary=data.phone_type_secondary,
        is_primary=False,  # set by _settle_primary, after the old primary stepped down
        escalation_level=data.escalation_level,
        title=data.title,
        notes=data.notes,
    )


def _apply_contact_changes(contact: Contact, changes: ContactUpdate) -> None:
    given = changes.model_fields_set
    for name in _CONTACT_FIELDS:
        if name in given:
            setattr(contact, name, getattr(changes, name))


async def _settle_primary(session: AsyncSession, party: Party, primary: Contact | None) -> None:
    """Make `primary` (or, if None, the current or else the oldest contact) the only primary.

    Flushed in two steps: the old primary steps down before the new one steps up, so the
    unique index on (customer_id) WHERE is_primary holds at every statement.
    """
    remaining = list(party.contacts)
    if not remaining:
        raise InvalidState("A customer must keep at least one contact")
    if primary is None:
        primary = next((c for c in remaining if c.is_primary), remaining[0])
    for contact in remaining:
        if contact is not primary and contact.is_primary:
            contact.is_primary = False
    await session.flush()
    if not primary.is_primary:
        primary.is_primary = True
        await session.flush()


async def _upsert_contacts(
    session: AsyncSession,
    tenant: Tenant,
    party: Party,
    upserts: list[ContactUpsert],
    delete_ids: list[uuid.UUID],
) -> None:
    by_id = {contact.id: contact for contact in party.contacts}
    for index, contact_id in enumerate(delete_ids):
        if contact_id not in by_id:
            raise NotFound(f"No such contact of this customer: {contact_id}")
        if any(item.id == contact_id for item in upserts):
            raise ValidationFailed.on_field(
                f"delete_contact_ids[{index}]", "the contact is also in contacts[]"
            )
    seen: set[uuid.UUID] = set()
    primary: Contact | None = None
    demoted: Contact | None = None
    new_contacts: list[Contact] = []
    for index, item in enumerate(upserts):
        if item.id is None:
            for required in ("contact_name", "email"):
                if getattr(item, required) is None:
                    raise ValidationFailed.on_field(
                        f"contacts[{index}].{required}", "required for a new contact"
                    )
            fields = item.model_dump(exclude={"id"}, exclude_none=True)
            contact = _new_contact(tenant, ContactIn.model_validate(fields))
            new_contacts.append(contact)
        else:
            if item.id not in by_id:
                raise NotFound(f"No such contact of this customer: {item.id}")
            if item.id in seen:
                raise ValidationFailed.on_field(f"contacts[{index}].id", "listed twice")
            seen.add(item.id)
            contact = by_id[item.id]
            _apply_contact_changes(contact, item)
        if item.is_primary:
            if primary is not None:
                raise ValidationFailed.on_field(
                    f"contacts[{index}].is_primary", "only one contact can be primary"
                )
            primary = contact
        elif item.is_primary is False and contact.is_primary:
            demoted = contact
    deleted = set(delete_ids)
    if demoted is not None and primary is None:
        index = next(i for i, item in enumerate(upserts) if item.id == demoted.id)
        raise ValidationFailed.on_field(
            f"contacts[{index}].is_primary",
            "a customer always has a primary contact: make another contact primary instead",
        )
    if len(by_id) - len(deleted) + len(new_contacts) == 0:
        raise InvalidState("A customer must keep at least one contact")
    party.contacts = [c for c in party.contacts if c.id not in deleted] + new_contacts
    await session.flush()
    await _settle_primary(session, party, primary)


def _contacts_snapshot(party: Party) -> dict[uuid.UUID, dict[str, Any]]:
    return {contact.id: contact_out(contact).model_dump() for contact in party.contacts}


def _contact_events(
    before: dict[uuid.UUID, dict[str, Any]], contacts: list[Contact]
) -> list[tuple[str, dict[str, Any]]]:
    """(type, data) of contact.created / updated / deleted for each contact that changed.

    An update lists `communication_fields_changed` (name, email, phones) so that messages
    scheduled to the contact can be brought up to date.
    """
    now = {contact.id for contact in contacts}
    found: list[tuple[str, dict[str, Any]]] = [
        ("contact.deleted", {"object": old}) for key, old in before.items() if key not in now
    ]
    for contact in contacts:
        after = contact_out(contact).model_dump()
        if contact.id not in before:
            found.append(("contact.created", {"object": after}))
            continue
        changed = previous_attributes(before[contact.id], after)
        if changed:
            communication = [f for f in COMMUNICATION_FIELDS if f in changed]
            found.append(
                (
                    "contact.updated",
                    {
                        "object": after,
                        "previous_attributes": changed,
                        "communication_fields_changed": communication,
                    },
                )
            )
    return found


async def create_contact(session: AsyncSession, tenant: Tenant, data: ContactCreate) -> Contact:
    party = await queries.load_party(session, tenant, CUSTOMER, data.customer_id, for_update=True)
    before, contacts_before = _out(party), _contacts_snapshot(party)
    contact = _new_contact(tenant, data)
    party.contacts.append(contact)
    await session.flush()
    await _settle_primary(session, party, contact if data.is_primary else None)
    _refresh_search_text(party, party.contacts)
    await session.flush()
    await _record_changes(session, tenant, party, before, contacts_before)
    return contact


async def _locked_customer_of(
    session: AsyncSession, tenant: Tenant, contact_id: uuid.UUID
) -> Party:
    customer_id = await queries.contact_customer_id(session, tenant, contact_id)
    party = await queries.load_party(session, tenant, CUSTOMER, customer_id, for_update=True)
    if not any(contact.id == contact_id for contact in party.contacts):
        raise NotFound(f"No such contact: {contact_id}")  # deleted while we waited
    return party


async def get_contact(session: AsyncSession, tenant: Tenant, contact_id: uuid.UUID) -> Contact:
    return await queries.load_contact(session, tenant, contact_id)


async def list_contacts(
    session: AsyncSession,
    tenant: Tenant,
    params: PageParams,
    customer_id: uuid.UUID | None,
) -> Page[Contact]:
    statement = queries.contacts(tenant)
    if customer_id is not None:
        await get_customer(session, tenant, customer_id, related=False)
        statement = statement.where(Contact.customer_id == customer_id)
    return await paginate(session, statement, Contact.id, params)


async def update_contact(
    session: AsyncSession,
    tenant: Tenant,
    contact_id: uuid.UUID,
    changes: ContactUpdate,
) -> Contact:
    party = await _locked_customer_of(session, tenant, contact_id)
    contact = next(c for c in party.contacts if c.id == contact_id)
    before, contacts_before = _out(party), _contacts_snapshot(party)
    if changes.is_primary is False and contact.is_primary:
        raise ValidationFailed.on_field(
            "is_primary",
            "a customer always has a primary contact: make another contact primary instead",
        )
    _apply_contact_changes(contact, changes)
    if changes.is_primary:
        await _settle_primary(session, party, contact)
    _refresh_search_text(party, party.contacts)
    await session.flush()
    await _record_changes(session, tenant, party, before, contacts_before)
    return contact


async def delete_contact(session: AsyncSession, tenant: Tenant, contact_id: uuid.UUID) -> None:
    """The last contact stays; deleting the primary makes the oldest remaining one primary."""
    party = await _locked_customer_of(session, tenant, contact_id)
    if len(party.contacts) == 1:
        raise InvalidState("The last contact of a customer cannot be deleted")
    before, contacts_before = _out(party), _contacts_snapshot(party)
    party.contacts = [c for c in party.contacts if c.id != contact_id]
    await session.flush()
    await _settle_primary(session, party, None)
    _refresh_search_text(party, party.contacts)
    await session.flush()
    await _record_changes(session, tenant, party, before, contacts_before)
