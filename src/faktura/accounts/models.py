"""Accounts (tenants) and their API keys."""

import uuid
from datetime import datetime
from typing import TypedDict

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from faktura.db.base import Base, IdMixin, TimestampMixin
from faktura.db.types import AddressData, ElectronicAddressData, JSONType


class NumberingRuleData(TypedDict):
    prefix: str
    padding: int
    yearly_reset: bool


class LogoData(TypedDict):
    """The account's logo in the file store (pdfs/): PNG or JPEG, checked when uploaded."""

    key: str
    sha256: str
    content_type: str
    width: int
    height: int
    size: int


class BrandingData(TypedDict, total=False):
    logo_url: str
    color: str
    footer: str
    layout: str
    logo: LogoData


class VatRateData(TypedDict):
    id: str
    name: str
    rate: str  # a percentage as a decimal string: "17" means 17 %
    category: str


class NamedOptionData(TypedDict, total=False):
    id: str
    name: str
    details: str
    email: str


class SmtpData(TypedDict, total=False):
    url: str
    username: str
    # Encrypted with the server's secret (core/secrets.py); never returned by the API.
    password_encrypted: str


class EmailSettingsData(TypedDict, total=False):
    from_name: str
    from_address: str
    reply_to: str
    smtp: SmtpData


class ReminderStepData(TypedDict, total=False):
    id: str
    offset_days: int
    stage: str
    template_id: str
    escalation_level: int


class RemindersData(TypedDict, total=False):
    enabled: bool
    send_hour: int
    steps: list[ReminderStepData]


class Account(IdMixin, TimestampMixin, Base):
    __tablename__ = "accounts"

    name: Mapped[str] = mapped_column(String(200))
    legal_name: Mapped[str | None] = mapped_column(String(200))
    tax_id: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(64))
    website: Mapped[str | None] = mapped_column(String(500))
    address: Mapped[AddressData] = mapped_column(JSONType, default=dict)
    # Where e-invoices reach the account (Peppol), EN 16931 BT-34.
    electronic_address: Mapped[ElectronicAddressData | None] = mapped_column(JSONType)
    default_currency: Mapped[str] = mapped_column(String(3))
    locale: Mapped[str] = mapped_column(String(35))
    timezone: Mapped[str] = mapped_column(String(64))
    # Per document type: invoice, quote, credit_note, receipt.
    numbering: Mapped[dict[str, NumberingRuleData]] = mapped_column(JSONType, default=dict)
    branding: Mapped[BrandingData] = mapped_column(JSONType, default=dict)
    vat_rates: Mapped[list[VatRateData]] = mapped_column(JSONType, default=list)
    payment_methods: Mapped[list[NamedOptionData]] = mapped_column(JSONType, default=list)
    billers: Mapped[list[NamedOptionData]] = mapped_column(JSONType, default=list)
    # Issue a numbered receipt for every payment recorded (usual in Israel).
    issue_receipts: Mapped[bool] = mapped_column(default=False)
    # The e-invoice format sent emails of invoices and credit notes carry (ubl, cii, facturx).
    einvoice_attachment: Mapped[str | None] = mapped_column(String(16))
    # How documents are emailed (email/): sender, reply-to, an SMTP server of the account's own.
    email_settings: Mapped[EmailSettingsData] = mapped_column(JSONType, default=dict)
    # The reminder policy: steps relative to invoices' due dates (email/reminders.py).
    reminders: Mapped[RemindersData] = mapped_column(JSONType, default=dict)


class ApiKey(IdMixin, Base):
    __tablename__ = "api_keys"

    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    livemode: Mapped[bool] = mapped_column()
    name: Mapped[str] = mapped_column(String(200))
    # What is shown to identify a key after creation: "fk_test_AbCd…wxyz" (never the secret).
    redacted: Mapped[str] = mapped_column(String(40))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSONType)
    plan: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    description: Mapped[str | None] = mapped_column(Text)
