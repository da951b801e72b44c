"""Documents (invoices, quotes, credit notes, receipts), their lines, and numbering counters."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from faktura.db.base import Base, IdMixin, TenantMixin, TimestampMixin
from faktura.db.types import ExactDecimal, JSONType, quantity_column, unit_price_column


class DocumentType(StrEnum):
    INVOICE = "invoice"
    QUOTE = "quote"
    CREDIT_NOTE = "credit_note"
    RECEIPT = "receipt"


class DocumentStatus(StrEnum):
    """Every status of any type; which a type may be in and move to: `status.TRANSITIONS`."""

    DRAFT = "draft"
    PENDING = "pending"
    OVERDUE = "overdue"
    PARTIAL = "partial"
    PAID = "paid"
    IN_PAYMENT_PLAN = "in_payment_plan"
    IN_DISPUTE = "in_dispute"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CONVERTED = "converted"
    ISSUED = "issued"
    CANCELLED = "cancelled"


class _TypeColumn(TypeDecorator[DocumentType]):
    """A document type, stored as its string and read back as a DocumentType."""

    impl = String(16)
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> DocumentType | None:
        return None if value is None else DocumentType(value)


class _StatusColumn(TypeDecorator[DocumentStatus]):
    """A document status, stored as its string and read back as a DocumentStatus."""

    impl = String(20)
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> DocumentStatus | None:
        return None if value is None else DocumentStatus(value)


class Document(IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("account_id", "livemode", "type", "number"),
        Index("ix_documents_account_id_livemode_type_id", "account_id", "livemode", "type", "id"),
        Index("ix_documents_account_id_livemode_id", "account_id", "livemode", "id"),
        Index(
            "ix_documents_account_id_livemode_customer_id_id",
            "account_id",
            "livemode",
            "customer_id",
            "id",
        ),
        Index(
            "ix_documents_account_id_livemode_status_id", "account_id", "livemode", "status", "id"
        ),
        Index("ix_documents_status_due_date", "status", "due_date"),
        Index("ix_documents_related_document_id", "related_document_id"),
        # Substring search on number and customer name: trigram index on PostgreSQL.
        Index(
            "ix_documents_search_text",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
    )

    type: Mapped[DocumentType] = mapped_column(_TypeColumn())
    number: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[DocumentStatus] = mapped_column(_StatusColumn())
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parties.id"))
    customer_name: Mapped[str] = mapped_column(String(200))
    customer_address: Mapped[str | None] = mapped_column(Text)
    currency: Mapped[str] = mapped_column(String(3))
    issue_date: Mapped[date] = mapped_column()
    due_date: Mapped[date | None] = mapped_column()
    # Whether the caller chose these dates; a draft's defaulted dates move to the day it is
    # issued, so that the number's year and the legal issue date are the issuing day's.
    issue_date_given: Mapped[bool] = mapped_column(default=True)
    due_date_given: Mapped[bool] = mapped_column(default=True)
    vat_type: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str | None] = mapped_column(Text)
    source_type: Mapped[str] = mapped_column(String(16))
    subtotal: Mapped[Decimal] = mapped_column()
    discount_amount: Mapped[Decimal] = mapped_column()
    tax_amount: Mapped[Decimal] = mapped_column()
    # US-style documents give one tax amount instead of VAT rates on lines.
    tax_amount_given: Mapped[bool] = mapped_column(default=False)
    tax_breakdown: Mapped[list[Any]] = mapped_column(default=list)
    total: Mapped[Decimal] = mapped_column()
    amount_paid: Mapped[Decimal] = mapped_column()
    amount_credited: Mapped[Decimal] = mapped_column()
    external_payment_amount: Mapped[Decimal] = mapped_column()
    amount_due: Mapped[Decimal] = mapped_column()
    related_document_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("documents.id"))
    finalized_at: Mapped[datetime | None] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    cancelled_at: Mapped[datetime | None] = mapped_column()
    cancellation_reason: Mapped[str | None] = mapped_column(String(500))
    # Seed 003's display-only effective tax rate, a fraction (0.0875).
    tax_rate: Mapped[Decimal | None] = mapped_column(ExactDecimal(precision=10, scale=6))
    # Which of the account's billers and payment methods it names (ids in accounts.billers and
    # accounts.payment_methods; kept if the account later removes them).
    biller_id: Mapped[str | None] = mapped_column(String(64))
    payment_method_id: Mapped[str | None] = mapped_column(String(64))
    # BCP 47; null: the customer's, else the account's (what the PDF and emails speak).
    locale: Mapped[str | None] = mapped_column(String(35))
    # The buyer's own references, carried into e-invoices (EN 16931 BT-10, BT-13).
    buyer_reference: Mapped[str | None] = mapped_column(String(200))
    purchase_order: Mapped[str | None] = mapped_column(String(200))
    # The PDF (pdfs/): pending until the archive job stored it (ready) or gave up (failed);
    # generated by Faktura or uploaded by the user; its bytes are in the file store at pdf_key.
    pdf_status: Mapped[str | None] = mapped_column(String(16))
    pdf_source: Mapped[str | None] = mapped_column(String(16))
    pdf_key: Mapped[str | None] = mapped_column(String(300))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_size: Mapped[int | None] = mapped_column(Integer)
    pdf_generated_at: Mapped[datetime | None] = mapped_column()
    pdf_error: Mapped[str | None] = mapped_column(Text)
    # National clearance (clearance/): what the tax authority made of the issued document —
    # provider, status, its reference and QR URL, errors — null where none applies.
    clearance: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # Search on number and customer name, case-folded.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # The document as the API shows it, written by the transaction that last changed it
    # (documents/stored_text.py), with the updated_at and the output version it was written for:
    # it is shown only while both still hold, otherwise (or null) the document is built.
    rendered: Mapped[str | None] = mapped_column(Text)
    rendered_at: Mapped[datetime | None] = mapped_column()
    rendered_version: Mapped[int | None] = mapped_column(Integer)

    lines: Mapped[list["DocumentLine"]] = relationship(
        back_populates="document",
        lazy="raise",
        order_by="DocumentLine.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    def refresh_search_text(self) -> None:
        """What `search` matches: the number and the customer's name, case-folded."""
        self.search_text = " ".join(p.casefold() for p in (self.number, self.customer_name) if p)


class DocumentLine(IdMixin, Base):
    __tablename__ = "document_lines"
    __table_args__ = (Index("ix_document_lines_item_id", "item_id"),)

    document_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("items.id"))
    description: Mapped[str] = mapped_column(Text)
    quantity: Mapped[Decimal] = mapped_column(quantity_column())
    unit_price: Mapped[Decimal] = mapped_column(unit_price_column())
    unit: Mapped[str | None] = mapped_column(String(50))
    discount_amount: Mapped[Decimal | None] = mapped_column()
    discount_percent: Mapped[Decimal | None] = mapped_column()
    vat_type: Mapped[str] = mapped_column(String(16))
    vat_rate_id: Mapped[str | None] = mapped_column(String(64))
    vat_rate: Mapped[Decimal | None] = mapped_column()
    vat_category: Mapped[str | None] = mapped_column(String(4))
    vat_exemption_reason: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[Decimal] = mapped_column()

    document: Mapped[Document] = relationship(back_populates="lines", lazy="raise")


class DocumentCounter(Base):
    """The next number of one sequence; its row is locked while a number is taken."""

    __tablename__ = "document_counters"

    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    livemode: Mapped[bool] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(16), primary_key=True)
    # The calendar year of the sequence, or 0 for a sequence that never resets.
    year: Mapped[int] = mapped_column(primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)
    # True once a number of this type was given by hand: numbers taken are then checked.
    manual_numbers: Mapped[bool] = mapped_column(default=False, server_default=false())
