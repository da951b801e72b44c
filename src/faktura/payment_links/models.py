"""Payment links, the provider payments made through them, and the provider notifications
already applied."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from faktura.db.base import Base, IdMixin, TenantMixin, TimestampMixin
from faktura.db.types import JSONType


class PaymentLink(IdMixin, TimestampMixin, TenantMixin, Base):
    """A link a customer follows to pay an invoice on the hosted page.

    `status` as stored is active, completed or deactivated; an active link past `expires_at`
    reads as expired (nothing has to run for a link to expire).
    """

    __tablename__ = "payment_links"
    __table_args__ = (
        Index("ix_payment_links_account_id_livemode_id", "account_id", "livemode", "id"),
        Index("ix_payment_links_document_id", "document_id"),
    )

    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id"))
    # The secret part of the URL: 32 random bytes, URL-safe base64.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column()
    currency: Mapped[str] = mapped_column(String(3))
    # The most installments the payer may choose.
    installments: Mapped[int] = mapped_column(Integer)
    single_use: Mapped[bool] = mapped_column()
    provider: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[datetime] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    deactivated_at: Mapped[datetime | None] = mapped_column()
    # The first payment made through the link.
    payment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payments.id"))
    link_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)


class ProviderPayment(IdMixin, TimestampMixin, TenantMixin, Base):
    """One attempt to pay a link at a provider, as the provider's notifications left it.

    status: pending (started, no outcome yet), succeeded, failed. Only a success records a
    Faktura payment (`payment_id`), keyed on (provider, provider_payment_id), so however often
    and in whatever order the provider's notifications come, it is recorded once.
    """

    __tablename__ = "provider_payments"
    __table_args__ = (
        UniqueConstraint("provider", "provider_payment_id"),
        Index("ix_provider_payments_link_id", "link_id"),
    )

    link_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment_links.id"))
    provider: Mapped[str] = mapped_column(String(32))
    provider_payment_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column()
    currency: Mapped[str] = mapped_column(String(3))
    installments: Mapped[int] = mapped_column(Integer)
    # What the provider last said was refunded in all (its notifications carry the total).
    amount_refunded: Mapped[Decimal] = mapped_column()
    failure_code: Mapped[str | None] = mapped_column(String(64))
    failure_message: Mapped[str | None] = mapped_column(Text)
    payment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payments.id"))
    # What the provider keeps for this payment that the page or a later check needs
    # (never a card number).
    provider_data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class ProviderEvent(IdMixin, Base):
    """A provider notification already applied: a repeat of it is answered and ignored."""

    __tablename__ = "provider_events"
    __table_args__ = (UniqueConstraint("provider", "provider_event_id"),)

    provider: Mapped[str] = mapped_column(String(32))
    provider_event_id: Mapped[str] = mapped_column(String(255))
    provider_payment_id: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column()


class ProviderAccount(IdMixin, TimestampMixin, TenantMixin, Base):
    """An account's credentials at a payment provider, for one mode: Stripe's test keys serve
    test-mode links, its live keys live-mode links. Secrets are stored encrypted with the
    installation's key and never shown again. The row's id names its notification URL."""

    __tablename__ = "provider_accounts"
    __table_args__ = (UniqueConstraint("account_id", "livemode", "provider"),)

    provider: Mapped[str] = mapped_column(String(32))
    publishable_key: Mapped[str | None] = mapped_column(String(255))
    secret_key_encrypted: Mapped[str] = mapped_column(Text)
    secret_key_last4: Mapped[str] = mapped_column(String(4))
    webhook_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    # Where the provider's API is reached instead of its own (a mock server in tests).
    api_base_url: Mapped[str | None] = mapped_column(String(500))
