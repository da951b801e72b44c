"""The accounting change feed: one row per event about an invoice, payment, credit note or
customer, written in the event's own transaction, so that a committed change is never missed."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from faktura.db.base import Base, IdMixin, TenantMixin
from faktura.events.models import Event


class AccountingChange(IdMixin, TenantMixin, Base):
    __tablename__ = "accounting_changes"
    __table_args__ = (
        Index("ix_accounting_changes_account_id_livemode_id", "account_id", "livemode", "id"),
        Index(
            "ix_accounting_changes_account_id_livemode_status_id",
            "account_id",
            "livemode",
            "status",
            "id",
        ),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), unique=True
    )
    change_type: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[uuid.UUID | None] = mapped_column()
    # pending (not yet taken by the ledger), synced, failed
    status: Mapped[str] = mapped_column(String(16))
    error_message: Mapped[str | None] = mapped_column(String(1000))
    synced_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()

    event: Mapped[Event] = relationship(lazy="raise")
