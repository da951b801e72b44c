"""The balance of an invoice: payments and credits applied to it, holds, and the status that
follows its money (API.md) — recalculated after every change and by the overdue sweep.

Called by the payments and receivables domains in their transactions. Every function here
works on the invoice's row locked (`lock_invoices`, `queries.get_document(for_update=True)`),
so concurrent payments queue and can never together take more than is due. Failures are plain
domain errors; the caller says which field of its request they concern.
"""

import uuid
import zoneinfo
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from faktura.accounts import service as accounts_service
from faktura.accounts.models import Account
from faktura.core.clock import utcnow
from faktura.core.errors import InvalidState, NotFound, ValidationFailed
from faktura.core.money import money_text
from faktura.core.tenant import Tenant
from faktura.documents.locked_rows import keep_locked
from faktura.documents.models import Document
from faktura.documents.queries import documents_of, get_document, locking
from faktura.documents.schemas import DocumentCreate, LineItemIn
from faktura.documents.status import (
    DocumentStatus,
    DocumentType,
    a,
    amount_due,
    recalculated_invoice_status,
    record_document_event,
    refused,
    status_from_money,
    transition,
)

ZERO = Decimal(0)
# An invoice that becomes paid or overdue says so in an event of its own.
ANNOUNCED = frozenset({DocumentStatus.PAID, DocumentStatus.OVERDUE})


class NoSuchInvoice(NotFound):
    def __init__(self, invoice_id: uuid.UUID):
        super().__init__(f"no such invoice {invoice_id}")
        self.invoice_id = invoice_id


class CurrencyMismatch(ValidationFailed):
    """Money in one currency applied to an invoice in another."""


class MoreThanDue(ValidationFailed):
    """More applied to an invoice than it still has due."""


def account_today(account: Account) -> date:
    return utcnow().astimezone(zoneinfo.ZoneInfo(account.timezone)).date()


async def _invoice(session: AsyncSession, tenant: Tenant, invoice_id: uuid.UUID) -> Document:
    try:
        return await get_document(
            session, tenant, invoice_id, DocumentType.INVOICE, for_update=True
        )
    except NotFound as exc:
        raise NoSuchInvoice(invoice_id) from exc


async def lock_invoices(
    session: AsyncSession, tenant: Tenant, invoice_ids: list[uuid.UUID]
) -> None:
    """Lock the invoices a request will change, all at once and in id order, so that two
    requests touching the same invoices in another order queue instead of deadlocking. The
    request's later locked reads of them (get_document) then need no query."""
    if not invoice_ids:
        return
    found = await session.execute(
        locking(
            documents_of(tenant.account_id, tenant.livemode)
            .where(Document.id.in_(sorted(set(invoice_ids))))
            .order_by(Document.id)
        )
    )
    keep_locked(session, found.unique().scalars())


async def recalculate(
    session: AsyncSession, tenant: Tenant, document: Document, today: date
) -> None:
    """After a change to the money: amount_due and the status follow it (API.md)."""
    document.amount_due = amount_due(document)
    new_status = recalculated_invoice_status(document, today)
    if new_status != document.status:
        await transition(
            session,
            tenant,
            document,
            new_status,
            events=(new_status,) if new_status in ANNOUNCED else (),
        )


async def apply_payment(
    session: AsyncSession,
    tenant: Tenant,
    invoice_id: uuid.UUID,
    delta: Decimal,
    currency: str,
) -> Document:
    """Add (or, negative, take back) paid money on an invoice; its status follows."""
    invoice = await _invoice(session, tenant, invoice_id)
    if delta > 0:
        if invoice.status in (DocumentStatus.DRAFT, DocumentStatus.CANCELLED):
            raise InvalidState(f"{a(invoice.status).capitalize()} invoice cannot take payments")
        if invoice.currency != currency:
            raise CurrencyMismatch(
                f"the invoice is in {invoice.currency}, the payment in {currency}"
            )
        if delta > invoice.amount_due:
            raise MoreThanDue(
                f"{money_text(delta, currency)} exceeds what invoice {invoice.number} "
                f"still has due ({money_text(invoice.amount_due, currency)})"
            )
    invoice.amount_paid += delta
    invoice.updated_at = utcnow()
    account = await accounts_service.get_account(session, tenant.account_id)
    await recalculate(session, tenant, invoice, account_today(account))
    await record_document_event(session, tenant, invoice, "updated")
    return invoice


# Credits


async def credit_target(
    session: AsyncSession,
    tenant: Tenant,
    credit_note: Document,
    invoice_id: uuid.UUID,
) -> Document:
    """The invoice a credit note reduces, locked, once checked that the note fits it."""
    try:
        invoice = await get_document(
            session, tenant, invoice_id, DocumentType.INVOICE, for_update=True
        )
    except NotFound as exc:
        raise NotFound(f"related_document_id: no such invoice {invoice_id}") from exc
    if invoice.status in (DocumentStatus.DRAFT, DocumentStatus.CANCELLED):
        raise InvalidState(f"{a(invoice.status).capitalize()} invoice cannot be credited")
    if invoice.currency != credit_note.currency:
        raise ValidationFailed.on_field("currency", f"the invoice is in {invoice.currency}")
    if invoice.customer_id != credit_note.customer_id:
        raise ValidationFailed.on_field("customer_id", "the invoice belongs to another customer")
    if credit_note.total > invoice.amount_due:
        raise ValidationFailed.on_field(
            "total",
            f"the credit note ({money_text(credit_note.total, invoice.currency)}) exceeds "
            f"what the invoice still has due ({money_text(invoice.amount_due, invoice.currency)})",
        )
    credit_note.related_document_id = invoice.id
    return invoice


async def apply_credit(
    session: AsyncSession,
    tenant: Tenant,
    account: Account,
    credit_note: Document,
) -> None:
    """A credit note being issued reduces its invoice by its total."""
    assert credit_note.related_document_id is not None
    invoice = await credit_target(session, tenant, credit_note, credit_note.related_document_id)
    invoice.amount_credited += credit_note.total
    await recalculate(session, tenant, invoice, account_today(account))
    await session.flush()
    await record_document_event(session, tenant, invoice, "updated")


def credit_note_for(invoice: Document, amount: Decimal, reason: str) -> DocumentCreate:
    """A credit note of exactly `amount` (VAT included at the invoice's main rate)."""
    if invoice.tax_amount_given or not invoice.tax_breakdown:
        line_item = LineItemIn(description=reason, quantity=Decimal(1), unit_price=amount)
        tax_amount: Decimal | None = ZERO
    else:
        main = max(invoice.tax_breakdown, key=lambda row: Decimal(str(row["taxable"])))
        rate = None if main["rate"] is None else Decimal(str(main["rate"]))
        line_item = LineItemIn(
            description=reason,
            quantity=Decimal(1),
            unit_price=amount,
            vat_type="included" if rate is not None else "exempt",
            vat_rate=rate,
            vat_exemption_reason=None if rate is not None else reason,
        )
        tax_amount = None
    return DocumentCreate(
        customer_id=invoice.customer_id,
        currency=invoice.currency,
        related_document_id=invoice.id,
        line_items=[line_item],
        tax_amount=tax_amount,
        vat_type="included",
    )


# Holds: disputes and payment plans


async def hold_invoice(
    session: AsyncSession, tenant: Tenant, invoice_id: uuid.UUID, hold: DocumentStatus
) -> Document:
    """Put an open invoice in_dispute or in_payment_plan: recalculation then leaves it there."""
    invoice = await _invoice(session, tenant, invoice_id)
    if invoice.amount_due <= 0:
        raise InvalidState(f"Invoice {invoice.number} has nothing due")
    await transition(session, tenant, invoice, hold, events=("updated",))
    return invoice


async def release_invoice(
    session: AsyncSession, tenant: Tenant, invoice_id: uuid.UUID, hold: DocumentStatus
) -> Document:
    """End a hold: the status follows the money again."""
    invoice = await get_document(session, tenant, invoice_id, DocumentType.INVOICE, for_update=True)
    account = await accounts_service.get_account(session, tenant.account_id)
    new_status = status_from_money(invoice, account_today(account))
    if invoice.status != hold:
        raise refused(invoice, new_status)
    announced = (new_status,) if new_status in ANNOUNCED else ()
    await transition(session, tenant, invoice, new_status, events=("updated", *announced))
    return invoice


# Overdue


async def mark_overdue_invoices(session: AsyncSession, limit: int = 1000) -> int:
    """Pending invoices whose due date has passed in their account's time zone → overdue."""
    candidates = (
        await session.execute(
            select(Document, Account.timezone)
            .join(Account, Account.id == Document.account_id)
            .where(
                Document.type == DocumentType.INVOICE,
                Document.status == DocumentStatus.PENDING,
                Document.due_date < utcnow().date() + timedelta(days=1),
            )
            .options(selectinload(Document.lines))
            .order_by(Document.due_date)
            .limit(limit)
            .with_for_update(of=Document)
        )
    ).all()
    moved = 0
    for document, timezone in candidates:
        today = utcnow().astimezone(zoneinfo.ZoneInfo(timezone)).date()
        if document.due_date is not None and document.due_date < today:
            tenant = Tenant(document.account_id, document.livemode)
            await recalculate(session, tenant, document, today)
            moved += 1
    return moved
