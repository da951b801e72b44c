"""Accounts: creating, reading, changing. Their API keys are in api_keys.py."""

import uuid
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.accounts import defaults
from faktura.accounts.models import (
    Account,
    BrandingData,
    EmailSettingsData,
    LogoData,
    NumberingRuleData,
    RemindersData,
)
from faktura.accounts.schemas import AccountUpdate, NamedOptionIn, VatRateIn
from faktura.core.clock import utcnow
from faktura.core.errors import NotFound, ValidationFailed
from faktura.core.ids import uuid7
from faktura.core.tenant import Tenant
from faktura.db.types import AddressData, ElectronicAddressData
from faktura.events.service import record_event


def _new_option_id(prefix: str) -> str:
    return f"{prefix}_{uuid7().hex}"


async def create_account(
    session: AsyncSession,
    *,
    name: str,
    currency: str = "USD",
    country: str | None = None,
    timezone: str | None = None,
    locale: str | None = None,
) -> Account:
    currency = currency.upper()
    country = defaults.country_for(country, currency)
    account = Account(
        name=name,
        default_currency=currency,
        locale=locale or defaults.default_locale(country),
        timezone=timezone or defaults.default_timezone(country),
        address={"country": country} if country else {},
        numbering=defaults.default_numbering(),
        branding={},
        vat_rates=[
            {"id": _new_option_id("vat"), "name": label, "rate": rate, "category": category}
            for label, rate, category in defaults.default_vat_rates(country)
        ],
        payment_methods=[],
        billers=[],
        issue_receipts=currency == "ILS",
    )
    session.add(account)
    await session.flush()
    return account


async def get_account(session: AsyncSession, account_id: uuid.UUID) -> Account:
    account = await session.get(Account, account_id)
    if account is None:
        raise NotFound("Account not found")
    return account


def _merge_options(
    field: str,
    prefix: str,
    current: list[dict[str, Any]],
    given: list[Any],
) -> list[dict[str, Any]]:
    """Replace a list of id'd settings: given ids must exist, new entries get an id."""
    known = {entry["id"] for entry in current}
    result: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, entry in enumerate(given):
        data = entry.model_dump(exclude_none=True)
        if entry.id is not None:
            if entry.id not in known:
                raise ValidationFailed.on_field(
                    f"{field}[{index}].id", f"no {field[:-1].replace('_', ' ')} '{entry.id}'"
                )
            if entry.id in seen:
                raise ValidationFailed.on_field(f"{field}[{index}].id", "listed twice")
        else:
            data["id"] = _new_option_id(prefix)
        seen.add(data["id"])
        if isinstance(entry, VatRateIn):
            data["rate"] = str(entry.rate)
        result.append(data)
    return result


async def update_account(
    session: AsyncSession,
    tenant: Tenant,
    changes: AccountUpdate,
) -> Account:
    account = await get_account(session, tenant.account_id)
    given = changes.model_fields_set
    for name in (
        "name",
        "legal_name",
        "tax_id",
        "email",
        "phone",
        "website",
        "default_currency",
        "locale",
        "timezone",
        "issue_receipts",
        "einvoice_attachment",
    ):
        if name in given:
            setattr(account, name, getattr(changes, name))
    if "address" in given:
        account.address = cast(
            AddressData, changes.address.model_dump(exclude_none=True) if changes.address else {}
        )
    if "electronic_address" in given:
        account.electronic_address = (
            cast(ElectronicAddressData, changes.electronic_address.model_dump())
            if changes.electronic_address
            else None
        )
    if "branding" in given:
        branding = changes.branding.model_dump(exclude_none=True) if changes.branding else {}
        if "logo" in account.branding:  # uploaded apart (set_logo); replacing the rest keeps it
            branding["logo"] = account.branding["logo"]
        account.branding = cast(BrandingData, branding)
    if changes.numbering is not None:
        numbering = dict(account.numbering)
        for doc_type in defaults.DOCUMENT_TYPES:
            rule = getattr(changes.numbering, doc_type)
            if rule is not None:
                changed = {**numbering[doc_type], **rule.model_dump(exclude_none=True)}
                numbering[doc_type] = cast(NumberingRuleData, changed)
        account.numbering = numbering
    option_lists: list[tuple[str, str, list[VatRateIn] | list[NamedOptionIn] | None]] = [
        ("vat_rates", "vat", changes.vat_rates),
        ("payment_methods", "pm", changes.payment_methods),
        ("billers", "biller", changes.billers),
    ]
    for field, prefix, entries in option_lists:
        if entries is not None:
            setattr(account, field, _merge_options(field, prefix, getattr(account, field), entries))
    await _updated(session, tenant, account, sorted(given))
    return account


async def set_logo(session: AsyncSession, tenant: Tenant, logo: LogoData | None) -> Account:
    """The logo printed on documents (checked and stored by pdfs/), or none."""
    account = await get_account(session, tenant.account_id)
    branding = {key: value for key, value in account.branding.items() if key != "logo"}
    if logo is not None:
        branding["logo"] = logo
    account.branding = cast(BrandingData, branding)
    await _updated(session, tenant, account, ["branding.logo"])
    return account


async def _updated(
    session: AsyncSession, tenant: Tenant, account: Account, fields: list[str]
) -> None:
    account.updated_at = utcnow()
    await session.flush()
    # The account is shared by live and test mode, so both modes hear of the change.
    for livemode in (True, False):
        await record_event(
            session,
            Tenant(tenant.account_id, livemode),
            "account.updated",
            "account",
            account.id,
            {"updated_fields": fields, "changed_in_livemode": tenant.livemode},
        )


async def set_email_settings(
    session: AsyncSession, tenant: Tenant, email_settings: EmailSettingsData
) -> Account:
    """How documents are emailed (checked and encrypted by email/)."""
    account = await get_account(session, tenant.account_id)
    account.email_settings = email_settings
    await _updated(session, tenant, account, ["email_settings"])
    return account


async def set_reminders(session: AsyncSession, tenant: Tenant, reminders: RemindersData) -> Account:
    """The reminder policy (checked by email/)."""
    account = await get_account(session, tenant.account_id)
    account.reminders = reminders
    await _updated(session, tenant, account, ["reminders"])
    return account
