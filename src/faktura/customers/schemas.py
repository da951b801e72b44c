"""Request and response shapes of customers, suppliers, contacts and tags."""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    EmailStr,
    Field,
    StrictBool,
    StringConstraints,
    field_validator,
    model_validator,
)

from faktura.accounts.schemas import check_timezone
from faktura.api.schemas import Address, AddressIn, ElectronicAddress, InputModel, OutputModel
from faktura.core.types import (
    NEVER_NULL,
    CurrencyCode,
    Locale,
    MultilineText,
    Text,
    TimeZoneName,
    field_error,
    named,
)
from faktura.customers.models import Contact as ContactRow
from faktura.customers.models import Party
from faktura.customers.models import Tag as TagRow

PhoneType = Annotated[
    Literal["mobile", "home", "work", "office", "fax", "other"],
    named("PhoneType", "What kind of phone a number is"),
]
MetadataKey = Annotated[Text, StringConstraints(min_length=1, max_length=40)]
MetadataValue = Annotated[Text, StringConstraints(max_length=500)]
# A tag's id or name: one line, like every name (a NUL byte cannot even be stored by PostgreSQL).
TagName = Annotated[Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
MAX_METADATA_KEYS = 50
MAX_CONTACTS = 100
MAX_TAGS = 50
MAX_BULK_CUSTOMERS = 1000

_COMPANY_NAME = (
    "Company or person name. `name` is accepted as an alias on input (not both at once)."
)
_METADATA = (
    f"Your own key-value pairs: up to {MAX_METADATA_KEYS} keys of at most 40 characters, "
    "string values of at most 500 characters"
)


class _AcceptsNameAlias(InputModel):
    @model_validator(mode="before")
    @classmethod
    def _one_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and "name" in data and "company_name" in data:
            raise field_error("name", "give company_name or its alias name, not both")
        if isinstance(data, dict) and "customer_id" in data and "external_id" in data:
            raise field_error("customer_id", "give external_id or its alias customer_id, not both")
        return data


# Contacts


class ContactIn(InputModel):
    """A contact given with its customer."""

    contact_name: Text = Field(min_length=1, max_length=200, description="Full name")
    email: EmailStr = Field(description="Email address (validated)")
    phone: Text | None = Field(None, max_length=64, description="Main phone number")
    phone_type: PhoneType | None = Field(None, description="Kind of the main phone")
    phone_secondary: Text | None = Field(None, max_length=64, description="Second phone number")
    phone_type_secondary: PhoneType | None = Field(None, description="Kind of the second phone")
    is_primary: StrictBool = Field(
        False,
        description="The customer's primary contact. Exactly one contact is primary; setting "
        "it demotes the previous one, and a customer's first contact is primary.",
    )
    escalation_level: int = Field(
        0, ge=0, le=1000, description="Who to reach first when collecting: 0 first, then 1…"
    )
    title: Text | None = Field(None, max_length=200, description="Job title")
    notes: MultilineText | None = Field(None, max_length=5000, description="Free text")


class ContactCreate(ContactIn):
    customer_id: uuid.UUID = Field(description="The customer the contact belongs to")


class ContactUpdate(InputModel):
    """Only the fields given change; `null` clears an optional field."""

    contact_name: Annotated[Text | None, NEVER_NULL] = Field(
        None, min_length=1, max_length=200, description="Full name"
    )
    email: Annotated[EmailStr | None, NEVER_NULL] = Field(
        None, description="Email address (validated)"
    )
    phone: Text | None = Field(None, max_length=64, description="Main phone number")
    phone_type: PhoneType | None = Field(None, description="Kind of the main phone")
    phone_secondary: Text | None = Field(None, max_length=64, description="Second phone number")
    phone_type_secondary: PhoneType | None = Field(None, description="Kind of the second phone")
    is_primary: Annotated[StrictBool | None, NEVER_NULL] = Field(
        None,
        description="true makes this the primary contact and demotes the previous one. The "
        "primary contact cannot be set to false: make another contact primary instead.",
    )
    escalation_level: Annotated[int | None, NEVER_NULL] = Field(
        None, ge=0, le=1000, description="Who to reach first when collecting: 0 first, then 1…"
    )
    title: Text | None = Field(None, max_length=200, description="Job title")
    notes: MultilineText | None = Field(None, max_length=5000, description="Free text")


class ContactUpsert(ContactUpdate):
    """In a customer update: with `id`, changes that contact; without, adds one."""

    id: uuid.UUID | None = Field(
        None,
        description="Id of the customer's contact to change; omit to add a contact (then "
        "contact_name and email are required)",
    )


class Contact(OutputModel):
    id: uuid.UUID = Field(description="Contact id")
    object: Literal["contact"] = "contact"
    customer_id: uuid.UUID = Field(description="The customer it belongs to")
    contact_name: str = Field(description="Full name")
    email: str = Field(description="Email address")
    phone: str | None = Field(description="Main phone number")
    phone_type: PhoneType | None = Field(description="Kind of the main phone")
    phone_secondary: str | None = Field(description="Second phone number")
    phone_type_secondary: PhoneType | None = Field(description="Kind of the second phone")
    is_primary: bool = Field(description="Whether this is the customer's primary contact")
    escalation_level: int = Field(description="Who to reach first when collecting: 0 first")
    title: str | None = Field(description="Job title")
    notes: str | None = Field(description="Free text")
    livemode: bool = Field(description="Live or test mode")
    created_at: datetime = Field(description="Creation time (UTC)")
    updated_at: datetime = Field(description="Last change (UTC)")


# Customers and suppliers


class PartyCreate(_AcceptsNameAlias):
    company_name: Text = Field(
        min_length=1,
        max_length=200,
        validation_alias=AliasChoices("company_name", "name"),
        description=_COMPANY_NAME,
    )
    email: EmailStr | None = Field(None, description="Billing email address (validated)")
    phone: Text | None = Field(None, max_length=64, description="Phone number")
    tax_id: Text | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="VAT or tax number, checked for the address country where a standard "
        "check exists (EU VAT numbers, also with their prefix such as DE or EL; IL; US EIN; "
        "GB; CH; NO); kept as given",
    )
    address: AddressIn | None = Field(None, description="Postal address")
    electronic_address: ElectronicAddress | None = Field(
        None, description="Where e-invoices reach it: its Peppol participant id (EN 16931 BT-49)"
    )
    currency: CurrencyCode | None = Field(
        None, description="ISO 4217 code of its documents; the account's currency if omitted"
    )
    timezone: TimeZoneName | None = Field(
        None, description="IANA time zone, e.g. America/New_York; null means the account's"
    )
    locale: Locale | None = Field(None, description="BCP 47 locale, e.g. he-IL; null: account's")
    external_id: Text | None = Field(
        None,
        min_length=1,
        max_length=255,
        description="Your own id for it, unique per account and mode",
    )
    notes: MultilineText | None = Field(None, max_length=10_000, description="Free text")
    metadata: dict[MetadataKey, MetadataValue] = Field(
        default_factory=dict, max_length=MAX_METADATA_KEYS, description=_METADATA
    )

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)


class CustomerCreate(PartyCreate):
    external_id: Text | None = Field(
        None,
        min_length=1,
        max_length=255,
        validation_alias=AliasChoices("external_id", "customer_id"),
        description="Your own id for it, unique per account and mode. Seed 003's "
        "`customer_id` is accepted as its alias (not both at once)",
    )
    contacts: list[ContactIn] = Field(
        min_length=1,
        max_length=MAX_CONTACTS,
        description="At least one contact. The one marked is_primary (at most one), else the "
        "first, is the primary contact.",
    )
    tags: list[TagName] = Field(
        default_factory=list,
        max_length=MAX_TAGS,
        description="Tag ids or names; unknown names are created",
    )
    reminders_enabled: StrictBool = Field(
        True, description="false: the account's reminder policy sends this customer nothing"
    )


class SupplierCreate(PartyCreate):
    pass


class PartyUpdate(_AcceptsNameAlias):
    """Only the fields given change; `null` clears an optional field."""

    company_name: Annotated[Text | None, NEVER_NULL] = Field(
        None,
        min_length=1,
        max_length=200,
        validation_alias=AliasChoices("company_name", "name"),
        description=_COMPANY_NAME,
    )
    email: EmailStr | None = Field(None, description="Billing email address (validated)")
    phone: Text | None = Field(None, max_length=64, description="Phone number")
    tax_id: Text | None = Field(
        None, min_length=1, max_length=64, description="VAT or tax number (checked, see create)"
    )
    address: AddressIn | None = Field(None, description="Postal address (replaced whole)")
    electronic_address: ElectronicAddress | None = Field(
        None, description="Where e-invoices reach it (Peppol participant id); null removes it"
    )
    currency: Annotated[CurrencyCode | None, NEVER_NULL] = Field(
        None, description="ISO 4217 code of its documents"
    )
    timezone: TimeZoneName | None = Field(
        None, description="IANA time zone; null means the account's"
    )
    locale: Locale | None = Field(None, description="BCP 47 locale; null means the account's")
    external_id: Text | None = Field(
        None, min_length=1, max_length=255, description="Your own id, unique per account and mode"
    )
    notes: MultilineText | None = Field(None, max_length=10_000, description="Free text")
    metadata: dict[MetadataKey, MetadataValue | None] | None = Field(
        None,
        max_length=MAX_METADATA_KEYS,
        description="Keys to set; a key set to null is removed, and metadata: null removes all",
    )

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)


class CustomerUpdate(PartyUpdate):
    reminders_enabled: Annotated[StrictBool | None, NEVER_NULL] = Field(
        None, description="false: the account's reminder policy sends this customer nothing"
    )
    tags: Annotated[list[TagName] | None, NEVER_NULL] = Field(
        None,
        max_length=MAX_TAGS,
        description="Replaces all tags: ids or names, unknown names are created",
    )
    contacts: Annotated[list[ContactUpsert] | None, NEVER_NULL] = Field(
        None,
        max_length=MAX_CONTACTS,
        description="Upsert: an entry with id changes that contact, one without adds a "
        "contact; contacts not listed are untouched",
    )
    delete_contact_ids: Annotated[list[uuid.UUID] | None, NEVER_NULL] = Field(
        None,
        max_length=MAX_CONTACTS,
        description="Contacts to delete; the last contact of a customer cannot be deleted",
    )


class SupplierUpdate(PartyUpdate):
    pass


class TagRef(OutputModel):
    id: uuid.UUID = Field(description="Tag id")
    name: str = Field(description="Tag name")


class _PartyOut(OutputModel):
    id: uuid.UUID = Field(description="Id")
    company_name: str = Field(description="Company or person name")
    email: str | None = Field(description="Billing email address")
    phone: str | None = Field(description="Phone number")
    tax_id: str | None = Field(description="VAT or tax number")
    address: Address = Field(description="Postal address")
    electronic_address: ElectronicAddress | None = Field(
        description="Where e-invoices reach it (Peppol participant id)"
    )
    currency: str = Field(description="ISO 4217 code of its documents")
    timezone: str | None = Field(description="IANA time zone; null means the account's")
    locale: str | None = Field(description="BCP 47 locale; null means the account's")
    external_id: str | None = Field(description="Your own id for it")
    notes: str | None = Field(description="Free text")
    metadata: dict[str, str] = Field(description="Your own key-value pairs")
    livemode: bool = Field(description="Live or test mode")
    created_at: datetime = Field(description="Creation time (UTC)")
    updated_at: datetime = Field(description="Last change (UTC)")


class Customer(_PartyOut):
    object: Literal["customer"] = "customer"
    reminders_enabled: bool = Field(
        description="Whether the account's reminder policy sends this customer reminders"
    )
    contacts: list[Contact] = Field(description="Contacts, oldest first; exactly one is primary")
    tags: list[TagRef] = Field(description="Tags, by name")


class Supplier(_PartyOut):
    object: Literal["supplier"] = "supplier"


def _party_fields(party: Party) -> dict[str, Any]:
    return {
        "id": party.id,
        "company_name": party.company_name,
        "email": party.email,
        "phone": party.phone,
        "tax_id": party.tax_id,
        "address": Address.model_validate(party.address),
        "electronic_address": (
            None
            if party.electronic_address is None
            else ElectronicAddress.model_validate(party.electronic_address)
        ),
        "currency": party.currency,
        "timezone": party.timezone,
        "locale": party.locale,
        "external_id": party.external_id,
        "notes": party.notes,
        "metadata": dict(party.metadata_),
        "livemode": party.livemode,
        "created_at": party.created_at,
        "updated_at": party.updated_at,
    }


def contact_out(contact: ContactRow) -> Contact:
    return Contact.model_validate(contact)


def customer_out(party: Party) -> Customer:
    return Customer(
        **_party_fields(party),
        reminders_enabled=party.reminders_enabled,
        contacts=[contact_out(c) for c in party.contacts],
        tags=[TagRef.model_validate(t) for t in party.tags],
    )


def supplier_out(party: Party) -> Supplier:
    return Supplier(**_party_fields(party))


# Tags


class TagCreate(InputModel):
    name: TagName = Field(description="Name, unique per account and mode regardless of case")


class TagUpdate(InputModel):
    name: TagName = Field(description="New name, unique per account and mode regardless of case")


class Tag(OutputModel):
    id: uuid.UUID = Field(description="Tag id")
    object: Literal["tag"] = "tag"
    name: str = Field(description="Name")
    customer_count: int = Field(description="Customers carrying the tag")
    livemode: bool = Field(description="Live or test mode")
    created_at: datetime = Field(description="Creation time (UTC)")
    updated_at: datetime = Field(description="Last change (UTC)")


def tag_out(tag: TagRow, customer_count: int) -> Tag:
    return Tag(
        id=tag.id,
        name=tag.name,
        customer_count=customer_count,
        livemode=tag.livemode,
        created_at=tag.created_at,
        updated_at=tag.updated_at,
    )


class TagCustomers(InputModel):
    customer_ids: list[uuid.UUID] = Field(
        min_length=1,
        max_length=MAX_BULK_CUSTOMERS,
        description=f"Customers to tag or untag (at most {MAX_BULK_CUSTOMERS}); all must exist",
    )


class BulkTags(InputModel):
    customer_ids: list[uuid.UUID] = Field(
        min_length=1,
        max_length=MAX_BULK_CUSTOMERS,
        description=f"Customers to change (at most {MAX_BULK_CUSTOMERS}); all must exist",
    )
    add_tag_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=MAX_TAGS, description="Tags to add to each customer"
    )
    remove_tag_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=MAX_TAGS,
        description="Tags to remove from each customer",
    )


class BulkResult(OutputModel):
    object: Literal["bulk_result"] = "bulk_result"
    customers_matched: int = Field(description="Distinct customers named in the request")
    customers_changed: int = Field(description="Customers whose tags changed")


# List filters


def created_range(
    created_from: date | datetime | None,
    created_to: date | datetime | None,
) -> tuple[datetime | None, datetime | None]:
    """Inclusive bounds as [lower, upper): a date covers its whole (UTC) day."""

    def as_utc(value: datetime) -> datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    lower = upper = None
    if isinstance(created_from, datetime):
        lower = as_utc(created_from)
    elif isinstance(created_from, date):
        lower = datetime.combine(created_from, time(), UTC)
    if isinstance(created_to, datetime):
        upper = as_utc(created_to) + timedelta(microseconds=1)
    elif isinstance(created_to, date):
        upper = datetime.combine(created_to + timedelta(days=1), time(), UTC)
    return lower, upper


def previous_attributes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The fields that changed, with their values before (Stripe's previous_attributes)."""
    return {
        key: value
        for key, value in before.items()
        if key != "updated_at" and after.get(key) != value
    }
