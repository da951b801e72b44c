"""Request and response shapes of the account and its API keys."""

import uuid
import zoneinfo
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StringConstraints, field_validator

from faktura.accounts.models import Account as AccountRow
from faktura.accounts.models import ApiKey as ApiKeyRow
from faktura.accounts.scopes import GRANTABLE_SCOPES
from faktura.api.schemas import (
    Address,
    AddressIn,
    DecimalIn,
    DecimalOut,
    ElectronicAddress,
    InputModel,
    OutputModel,
)
from faktura.core.money import decimal_places, normalize_decimal
from faktura.core.types import (
    NEVER_NULL,
    CurrencyCode,
    Locale,
    MultilineText,
    Text,
    TimeZoneName,
    named,
    one_of,
)

VatCategory = Literal["S", "Z", "E", "AE", "K", "G", "O", "L", "M"]
Plan = Annotated[
    Literal["basic", "pro", "enterprise", "unlimited"],
    named("RateLimitPlan", "A key's rate-limit plan (docs/accounts.md)"),
]
Mode = Annotated[Literal["live", "test"], named("Mode", "Live or test mode")]


def check_timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"'{value}' is not an IANA time zone") from exc
    return value


class VatRateIn(InputModel):
    id: Text | None = Field(None, max_length=64, description="Keep to update a rate; omit to add")
    name: Text = Field(min_length=1, max_length=100, description="Label, e.g. 'Standard'")
    rate: DecimalIn = Field(description="Percentage: 17 means 17 %")
    category: VatCategory = Field(
        "S",
        description="EN 16931 VAT category (UNCL 5305): S standard, Z zero, E exempt, "
        "AE reverse charge, K intra-EU, G export, O outside scope, L/M Canary/Ceuta",
    )

    @field_validator("rate")
    @classmethod
    def _rate(cls, value: Decimal) -> Decimal:
        if value < 0 or value > 100:
            raise ValueError("must be a percentage between 0 and 100")
        if decimal_places(value) > 4:
            raise ValueError("at most 4 decimals")
        return normalize_decimal(value)


class VatRate(OutputModel):
    id: str = Field(description="Id to reference from items and document lines")
    name: str = Field(description="Label")
    rate: DecimalOut = Field(description="Percentage: 17 means 17 %")
    category: str = Field(description="EN 16931 VAT category code")


class NamedOptionIn(InputModel):
    id: Text | None = Field(None, max_length=64, description="Keep to update; omit to add")
    name: Text = Field(min_length=1, max_length=200, description="Display name")
    details: MultilineText | None = Field(
        None, max_length=1000, description="Free text, e.g. bank account or IBAN"
    )
    email: Text | None = Field(None, max_length=320, description="Contact email (billers)")


class NamedOption(OutputModel):
    id: str = Field(description="Id to reference from documents and payments")
    name: str = Field(description="Display name")
    details: str | None = Field(None, description="Free text")
    email: str | None = Field(None, description="Contact email")


NumberPrefix = Annotated[
    str, StringConstraints(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_/.-]+$")
]
HexColor = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]


class NumberingRuleIn(InputModel):
    prefix: NumberPrefix | None = Field(None, description="Number prefix, e.g. INV")
    padding: int | None = Field(None, ge=1, le=12, description="Digits of the sequence part")
    yearly_reset: StrictBool | None = Field(
        None, description="Restart the sequence every calendar year (and show the year)"
    )


class NumberingRule(OutputModel):
    prefix: str = Field(description="Number prefix")
    padding: int = Field(description="Digits of the sequence part")
    yearly_reset: bool = Field(description="Sequence restarts every calendar year")


class NumberingIn(InputModel):
    invoice: NumberingRuleIn | None = Field(None, description="Rule for invoices")
    quote: NumberingRuleIn | None = Field(None, description="Rule for quotes")
    credit_note: NumberingRuleIn | None = Field(None, description="Rule for credit notes")
    receipt: NumberingRuleIn | None = Field(None, description="Rule for receipts")


class Numbering(OutputModel):
    invoice: NumberingRule = Field(description="Rule for invoices")
    quote: NumberingRule = Field(description="Rule for quotes")
    credit_note: NumberingRule = Field(description="Rule for credit notes")
    receipt: NumberingRule = Field(description="Rule for receipts")


Layout = Annotated[
    Literal["classic", "modern", "compact"], named("PdfLayout", "How the PDFs are laid out")
]
_LAYOUT = (
    "Layout of printed documents: classic (default), modern (a band of the accent colour "
    "behind the head) or compact (smaller type and margins)"
)


class BrandingIn(InputModel):
    logo_url: Text | None = Field(
        None,
        max_length=2000,
        description="A link to your logo, for your own pages; PDFs print the uploaded logo "
        "(POST /v1/account/logo) and never fetch a URL",
    )
    color: HexColor | None = Field(None, description="Accent colour, #RRGGBB")
    footer: MultilineText | None = Field(
        None, max_length=2000, description="Footer text on documents"
    )
    layout: Layout | None = Field(None, description=_LAYOUT)


class BrandingLogo(OutputModel):
    sha256: str = Field(description="SHA-256 of the image, hex")
    content_type: Literal["image/png", "image/jpeg"] = Field(description="PNG or JPEG")
    width: int = Field(description="Width in pixels")
    height: int = Field(description="Height in pixels")
    size: int = Field(description="Size in bytes")


class Branding(OutputModel):
    logo_url: str | None = Field(None, description="Link to your logo, as given")
    color: str | None = Field(None, description="Accent colour, #RRGGBB")
    footer: str | None = Field(None, description="Footer text on documents")
    layout: Layout = Field("classic", description=_LAYOUT)
    logo: BrandingLogo | None = Field(
        None, description="The logo printed on documents (POST /v1/account/logo); null: none"
    )


class AccountUpdate(InputModel):
    name: Annotated[Text | None, NEVER_NULL] = Field(
        None, min_length=1, max_length=200, description="Company name"
    )
    legal_name: Text | None = Field(None, max_length=200, description="Registered legal name")
    tax_id: Text | None = Field(None, max_length=64, description="VAT or tax number")
    email: Text | None = Field(None, max_length=320, description="Billing contact email")
    phone: Text | None = Field(None, max_length=64, description="Phone")
    website: Text | None = Field(None, max_length=500, description="Website")
    address: AddressIn | None = Field(None, description="Postal address (replaced whole)")
    electronic_address: ElectronicAddress | None = Field(
        None,
        description="Where e-invoices reach the account (its Peppol participant id, EN 16931 "
        "BT-34); null removes it",
    )
    default_currency: Annotated[CurrencyCode | None, NEVER_NULL] = Field(
        None, description="ISO 4217 code of new documents"
    )
    locale: Annotated[Locale | None, NEVER_NULL] = Field(
        None, description="BCP 47 locale, e.g. he-IL"
    )
    timezone: Annotated[TimeZoneName | None, NEVER_NULL] = Field(
        None, description="IANA time zone, e.g. Asia/Jerusalem"
    )
    numbering: Annotated[NumberingIn | None, NEVER_NULL] = Field(
        None, description="Numbering rules per document type; omitted fields are kept"
    )
    branding: BrandingIn | None = Field(None, description="Branding (replaced whole)")
    vat_rates: Annotated[list[VatRateIn] | None, NEVER_NULL] = Field(
        None, max_length=50, description="The account's VAT rates (the list is replaced)"
    )
    payment_methods: Annotated[list[NamedOptionIn] | None, NEVER_NULL] = Field(
        None, max_length=50, description="Payment methods offered (the list is replaced)"
    )
    billers: Annotated[list[NamedOptionIn] | None, NEVER_NULL] = Field(
        None, max_length=50, description="Billers issuing documents (the list is replaced)"
    )
    issue_receipts: Annotated[StrictBool | None, NEVER_NULL] = Field(
        None, description="Issue a numbered receipt for every payment recorded"
    )
    einvoice_attachment: Literal["ubl", "cii", "facturx"] | None = Field(
        None,
        description="Emails of invoices and credit notes carry their e-invoice in this format "
        "(facturx replaces the PDF); null: none",
    )

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)


class Account(OutputModel):
    id: uuid.UUID = Field(description="Account id")
    object: Literal["account"] = "account"
    name: str = Field(description="Company name")
    legal_name: str | None = Field(description="Registered legal name")
    tax_id: str | None = Field(description="VAT or tax number")
    email: str | None = Field(description="Billing contact email")
    phone: str | None = Field(description="Phone")
    website: str | None = Field(description="Website")
    address: Address = Field(description="Postal address")
    electronic_address: ElectronicAddress | None = Field(
        description="Where e-invoices reach the account (Peppol participant id)"
    )
    default_currency: str = Field(description="ISO 4217 code of new documents")
    locale: str = Field(description="BCP 47 locale")
    timezone: str = Field(description="IANA time zone")
    numbering: Numbering = Field(description="Numbering rules per document type")
    branding: Branding = Field(description="Branding of documents and pages")
    vat_rates: list[VatRate] = Field(description="VAT rates")
    payment_methods: list[NamedOption] = Field(description="Payment methods")
    billers: list[NamedOption] = Field(description="Billers")
    issue_receipts: bool = Field(
        description="A numbered receipt is issued for every payment (default on for ILS)"
    )
    einvoice_attachment: str | None = Field(
        description="The e-invoice format emails of invoices and credit notes carry, or null"
    )
    created_at: datetime = Field(description="Creation time (UTC)")
    updated_at: datetime = Field(description="Last change (UTC)")


class ApiKeyCreate(InputModel):
    name: Text = Field("API key", min_length=1, max_length=200, description="What the key is for")
    mode: Mode | None = Field(
        None, description="live or test; defaults to the mode of the key making the request"
    )
    scopes: list[Annotated[Text, one_of(GRANTABLE_SCOPES)]] = Field(
        default_factory=lambda: ["*"],
        min_length=1,
        max_length=30,
        description="Scopes, e.g. ['customers:read', 'documents:write'] or ['*']",
    )
    plan: Plan | None = Field(None, description="Rate-limit plan; the server default if omitted")
    description: MultilineText | None = Field(None, max_length=1000, description="Notes")


class ApiKey(OutputModel):
    id: uuid.UUID = Field(description="Key id")
    object: Literal["api_key"] = "api_key"
    name: str = Field(description="What the key is for")
    mode: Mode = Field(description="live or test")
    livemode: bool = Field(description="True for live keys")
    redacted: str = Field(description="The key's start and end, to recognise it")
    scopes: list[str] = Field(description="Scopes granted")
    plan: Plan = Field(description="Rate-limit plan")
    description: str | None = Field(description="Notes")
    created_at: datetime = Field(description="Creation time (UTC)")
    last_used_at: datetime | None = Field(
        description="Last authenticated request (UTC, to the minute)"
    )
    revoked_at: datetime | None = Field(description="When the key was revoked")


class ApiKeyCreated(ApiKey):
    key: str = Field(description="The secret key. Shown once: store it now.")


def account_out(account: AccountRow) -> Account:
    return Account.model_validate(account)


def api_key_out(key: ApiKeyRow) -> ApiKey:
    return ApiKey(
        id=key.id,
        name=key.name,
        mode="live" if key.livemode else "test",
        livemode=key.livemode,
        redacted=key.redacted,
        scopes=list(key.scopes),
        plan=key.plan,
        description=key.description,
        created_at=key.created_at,
        last_used_at=key.last_used_at,
        revoked_at=key.revoked_at,
    )
