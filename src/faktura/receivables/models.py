"""Disputes and payment plans: the two holds on an invoice's status."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import TypedDict

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from faktura.db.base import Base, IdMixin, TenantMixin, TimestampMixin
from faktura.db.types import JSONType


class InstallmentData(TypedDict):
    due_date: str  # ISO 8601 date
    amount: str  # a decimal string in the invoice's currency


class Dispute(IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "disputes"
    __table_args__ = (
        Index("ix_disputes_account_id_livemode_id", "account_id", "livemode", "id"),
        Index("ix_disputes_invoice_id", "invoice_id"),
    )

    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id"))
    amount: Mapped[Decimal] = mapped_column()
    reason: Mapped[str] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # open, upheld, rejected
    credit_note_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("documents.id"))
    resolved_at: Mapped[datetime | None] = mapped_column()


class PaymentPlan(IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "payment_plans"
    __table_args__ = (
        Index("ix_payment_plans_account_id_livemode_id", "account_id", "livemode", "id"),
        Index("ix_payment_plans_invoice_id", "invoice_id"),
    )

    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id"))
    status: Mapped[str] = mapped_column(String(16))  # active, completed, cancelled
    # What was due when the plan began; payments since then fill the installments in order.
    amount: Mapped[Decimal] = mapped_column()
    start_amount_due: Mapped[Decimal] = mapped_column()
    # Paid on the invoice since the plan began, kept in step by every payment and refund.
    amount_paid: Mapped[Decimal] = mapped_column()
    # [{"due_date": "2026-12-01", "amount": "100.00"}, …], in order.
    installments: Mapped[list[InstallmentData]] = mapped_column(JSONType)
    ended_at: Mapped[datetime | None] = mapped_column()
    first_due_date: Mapped[date] = mapped_column()
