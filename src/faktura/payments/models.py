"""Payments received, what they were applied to, and refunds."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import TypedDict

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from faktura.db.base import Base, IdMixin, TenantMixin, TimestampMixin
from faktura.db.types import JSONType


class ReversedAllocationData(TypedDict):
    invoice_id: str
    amount: Decimal  # a JSON number, read back as Decimal


class Payment(IdMixin, TimestampMixin, TenantMixin, Base):
    """Money received. Without allocations it is an unmatched reconciliation record."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("account_id", "livemode", "external_payment_id"),
        Index("ix_payments_account_id_livemode_id", "account_id", "livemode", "id"),
        Index(
            "ix_payments_account_id_livemode_customer_id_id",
            "account_id",
            "livemode",
            "customer_id",
            "id",
        ),
    )

    amount: Mapped[Decimal] = mapped_column()
    currency: Mapped[str] = mapped_column(String(3))
    payment_date: Mapped[date] = mapped_column()
    payment_method: Mapped[str] = mapped_column(String(64))
    payer_name: Mapped[str | None] = mapped_column(String(200))
    payer_reference: Mapped[str | None] = mapped_column(String(200))
    external_payment_id: Mapped[str] = mapped_column(String(255))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("parties.id"))
    # Whether the caller named the customer, or it was taken from the first invoice matched.
    customer_given: Mapped[bool] = mapped_column(default=True)
    notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(24))
    reviewed: Mapped[bool] = mapped_column(default=False)
    amount_refunded: Mapped[Decimal] = mapped_column()
    # Received, not refunded, and not applied to any invoice: the customer's credit.
    unapplied_amount: Mapped[Decimal] = mapped_column()
    receipt_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("documents.id"))
    # A card payment the acquirer splits into this many installments (its split, not a
    # Faktura payment plan); null when not paid by card in installments.
    installments: Mapped[int | None] = mapped_column(Integer)

    allocations: Mapped[list["PaymentAllocation"]] = relationship(
        back_populates="payment",
        lazy="raise",
        order_by="PaymentAllocation.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    refunds: Mapped[list["Refund"]] = relationship(
        back_populates="payment",
        lazy="raise",
        order_by="Refund.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class PaymentAllocation(IdMixin, Base):
    """Part of a payment applied to one invoice. Amount 0 once unmatched or refunded."""

    __tablename__ = "payment_allocations"
    __table_args__ = (UniqueConstraint("payment_id", "invoice_id"),)

    payment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("payments.id", ondelete="CASCADE"), index=True
    )
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id"), index=True)
    amount: Mapped[Decimal] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()

    payment: Mapped[Payment] = relationship(back_populates="allocations", lazy="raise")


class Refund(IdMixin, Base):
    __tablename__ = "refunds"

    payment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("payments.id", ondelete="CASCADE"), index=True
    )
    amount: Mapped[Decimal] = mapped_column()
    reason: Mapped[str | None] = mapped_column(Text)
    # Which invoices gave back how much, e.g. [{"invoice_id": "…", "amount": "10.00"}].
    reversed_allocations: Mapped[list[ReversedAllocationData]] = mapped_column(
        JSONType, default=list
    )
    created_at: Mapped[datetime] = mapped_column()

    payment: Mapped[Payment] = relationship(back_populates="refunds", lazy="raise")
