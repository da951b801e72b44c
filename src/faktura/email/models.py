"""Email: the account's templates, every message sent or scheduled, and the addresses that
bounced."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from faktura.db.base import Base, IdMixin, TenantMixin, TimestampMixin
from faktura.db.types import JSONType


class EmailTemplate(IdMixin, TimestampMixin, TenantMixin, Base):
    """An account's own template of a stage, in one language (the system's live in code)."""

    __tablename__ = "email_templates"
    __table_args__ = (
        Index("ix_email_templates_account_id_livemode_id", "account_id", "livemode", "id"),
    )

    name: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(35))
    subject: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    text_body: Mapped[str | None] = mapped_column(Text)


class Message(IdMixin, TimestampMixin, TenantMixin, Base):
    """One email about one document: written in the request (or by the reminder scheduler)
    that wants it, delivered by a job after the commit.

    Recipients the request did not name are resolved from the customer's contacts when the
    message goes out, so a scheduled message picks up a contact's new address.
    """

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_account_id_livemode_id", "account_id", "livemode", "id"),
        Index("ix_messages_document_id", "document_id"),
        # One message per (invoice, reminder step), however often the scheduler runs.
        UniqueConstraint("account_id", "livemode", "reminder_key"),
    )

    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    customer_id: Mapped[uuid.UUID] = mapped_column()
    template_id: Mapped[uuid.UUID | None] = mapped_column()
    stage: Mapped[str] = mapped_column(String(32))
    # send (asked for through the API) or reminder (a step of the account's policy)
    origin: Mapped[str] = mapped_column(String(16))
    reminder_key: Mapped[str | None] = mapped_column(String(120))
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))
    to_given: Mapped[list[Any] | None] = mapped_column(JSONType)
    cc_given: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    cc_self: Mapped[bool] = mapped_column(default=False)
    attach_pdf: Mapped[bool] = mapped_column(default=True)
    # The payment link the message carries (`include_payment_link`), printed as
    # `payment_link_url`.
    payment_link_id: Mapped[uuid.UUID | None] = mapped_column()
    # What went out (or was captured): filled when the message is rendered for delivery.
    to_addresses: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    cc_addresses: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    from_address: Mapped[str | None] = mapped_column(String(400))
    reply_to: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str | None] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    text_body: Mapped[str | None] = mapped_column(Text)
    # The Message-ID header, the same on every attempt: a receiver drops a repeat by it.
    message_id_header: Mapped[str] = mapped_column(String(300))
    scheduled_at: Mapped[datetime] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_response: Mapped[str | None] = mapped_column(Text)
    # Why it was not sent (failed, bounced, suppressed, cancelled by the scheduler's checks).
    error: Mapped[str | None] = mapped_column(Text)


class Suppression(IdMixin, TenantMixin, Base):
    """An address a mail server refused for good: later messages to it are suppressed."""

    __tablename__ = "email_suppressions"
    __table_args__ = (UniqueConstraint("account_id", "livemode", "email"),)

    email: Mapped[str] = mapped_column(String(320))
    reason: Mapped[str] = mapped_column(Text)
    message_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
