"""Documents: create, change, issue, cancel, convert — the same code for the four types.

Where the rest lives: reading (`queries.py`), lines and VAT rates (`lines.py`), numbering and
issuing (`numbering.py`), the balance of an invoice (`balance.py`), statuses and their moves
(`status.py`), the output (`output.py`) and its stored text (`stored_text.py`). Other domains
call this module; it names here what they use of the others.
"""

import uuid
from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.accounts import service as accounts_service
from faktura.core.clock import utcnow
from faktura.core.errors import ErrorDetail, InvalidState, NotFound, ValidationFailed
from faktura.core.ids import uuid7
from faktura.core.money import check_minor_units
from faktura.core.tenant import Tenant
from faktura.customers import service as customers_service
from faktura.documents import numbering
from faktura.documents.balance import account_today as account_today
from faktura.documents.balance import credit_note_for, credit_target, recalculate
from faktura.documents.balance import hold_invoice as hold_invoice
from faktura.documents.balance import lock_invoices as lock_invoices
from faktura.documents.balance import release_invoice as release_invoice
from faktura.documents.lines import (
    ZERO,
    apply_totals,
    carried_lines,
    legacy_line,
    resolve_lines,
    total_lines,
)
from faktura.documents.models import Document
from faktura.documents.output import document_out
from faktura.documents.queries import DocumentFilters as DocumentFilters
from faktura.documents.queries import get_document as get_document
from faktura.documents.queries import list_documents as list_documents
from faktura.documents.queries import pdf_state as pdf_state
from faktura.documents.queries import read_document as read_document
from faktura.documents.schemas import DocumentCreate, DocumentUpdate
from faktura.documents.status import (
    STATUSES,
    DocumentStatus,
    DocumentType,
    a,
    amount_due,
    record_document_event,
    transition,
)
from faktura.documents.status import label as label
from faktura.events.service import record_event

DEFAULT_PAYMENT_TERMS = timedelta(days=30)
# Only these fields of an issued document may change: its legal content is fixed.
EDITABLE_WHEN_ISSUED = frozenset(
    {"notes", "due_date", "customer_address", "tax_rate", "buyer_reference", "purchase_order"}
)
IMPORT_MONEY_FIELDS = frozenset({"amount", "amount_due", "external_payment_amount"})


def _format_address(address: Mapping[str, Any]) -> str | None:
    city_line = " ".join(p for p in (address.get("zip"), address.get("city")) if p)
    parts = [address.get("street"), city_line, address.get("state"), address.get("country")]
    text = ", ".join(p for p in parts if p)
    return text or None


# Creating and issuing


async def create_document(
    session: AsyncSession,
    tenant: Tenant,
    doc_type: str,
    data: DocumentCreate,
    *,
    copy_of: Document | None = None,
) -> Document:
    """Create (and unless a draft, issue) a document. `copy_of` converts a quote: its stored
    lines are copied as they are, so the invoice repeats exactly what was accepted."""
    account = await accounts_service.get_account(session, tenant.account_id)
    customer_id, invoice_currency = await _customer_and_currency(session, tenant, doc_type, data)
    customer = await customers_service.get_customer(session, tenant, customer_id, related=False)
    currency = data.currency or invoice_currency or customer.currency
    issue_date = data.issue_date or account_today(account)
    due_date = data.due_date
    if due_date is None and doc_type == DocumentType.INVOICE:
        due_date = issue_date + DEFAULT_PAYMENT_TERMS
    if due_date is not None and due_date < issue_date:
        raise ValidationFailed.on_field("due_date", "cannot be before issue_date")
    line_inputs = data.line_items
    if copy_of is not None:
        has_tax_amount = copy_of.tax_amount_given
        lines = carried_lines(copy_of.lines)
    else:
        if not line_inputs:
            if data.amount is None:
                raise ValidationFailed(
                    "Give line_items or an amount",
                    [ErrorDetail("line_items", "give line_items or an amount")],
                )
            line_inputs = [
                legacy_line(data.amount, data.tax_amount, data.discount_amount, currency)
            ]
        has_tax_amount = data.tax_amount is not None or not data.line_items
        lines = await resolve_lines(
            session, tenant, account, line_inputs, data.vat_type, currency, has_tax_amount
        )
    tax_amount = (data.tax_amount or ZERO) if has_tax_amount else None
    totals = total_lines(
        lines,
        currency,
        data.discount_amount,
        tax_amount,
        data.amount,
        [line.line_amount for line in data.line_items or []],
    )
    now = utcnow()
    # Ids and times are the object's from the start: the created event is written from it
    # before the rows are (they go with the transaction's next statement).
    document = Document(
        id=uuid7(),
        created_at=now,
        updated_at=now,
        account_id=tenant.account_id,
        livemode=tenant.livemode,
        type=DocumentType(doc_type),
        status=DocumentStatus.DRAFT,
        customer_id=customer.id,
        customer_name=data.customer_name or customer.company_name,
        customer_address=data.customer_address or _format_address(customer.address),
        currency=currency,
        issue_date=issue_date,
        due_date=due_date,
        issue_date_given=data.issue_date is not None,
        due_date_given=data.due_date is not None,
        vat_type=data.vat_type,
        notes=data.notes,
        buyer_reference=data.buyer_reference,
        purchase_order=data.purchase_order,
        source_type=data.source_type,
        tax_rate=data.tax_rate,
        biller_id=_account_option(account.billers, data.biller_id, "biller_id", "billers"),
        payment_method_id=_account_option(
            account.payment_methods, data.payment_method_id, "payment_method_id", "payment_methods"
        ),
        locale=data.locale,
        tax_amount_given=has_tax_amount,
        amount_paid=ZERO,
        amount_credited=ZERO,
        external_payment_amount=ZERO,
    )
    apply_totals(document, lines, totals)
    if data.amount_due is not None:
        _set_amount_due(document, data.amount_due)
    if doc_type == DocumentType.CREDIT_NOTE:
        if data.related_document_id is None:
            raise ValidationFailed.on_field(
                "related_document_id", "a credit note names the invoice it reduces"
            )
        await credit_target(session, tenant, document, data.related_document_id)
    elif data.related_document_id is not None:
        raise ValidationFailed.on_field("related_document_id", "only credit notes take one")
    if copy_of is not None:
        document.related_document_id = copy_of.id
    document.refresh_search_text()
    session.add(document)
    await record_document_event(session, tenant, document, "created")
    _check_status_on_create(doc_type, data.status)
    if data.status == "draft":
        if data.number is not None:
            raise ValidationFailed.on_field(
                "number", "a draft has no number; it is numbered when finalized"
            )
        return document
    await numbering.issue(session, tenant, account, document, data.number, inserted=True)
    if data.status == "cancelled":  # an import of a void document: issued, then cancelled
        await _cancel(session, tenant, document, None)
    return document


def _account_option(options: list[Any], chosen: str | None, field: str, listed: str) -> str | None:
    """One of the account's billers or payment methods by id; the first when none is chosen."""
    ids = [option["id"] for option in options]
    if chosen is None:
        return ids[0] if ids else None
    if chosen not in ids:
        raise ValidationFailed.on_field(field, f"not one of the account's {listed}")
    return chosen


def _check_status_on_create(doc_type: str, status: str | None) -> None:
    """`draft` makes a draft and `cancelled` a cancelled document; any other status of the type
    issues it, and its status then follows its money (seed 003: `paid` with money due is
    `pending`)."""
    if status is None:
        return
    if status not in STATUSES[DocumentType(doc_type)]:
        raise ValidationFailed.on_field("status", f"not a status {a(label(doc_type))} can have")


async def _customer_and_currency(
    session: AsyncSession, tenant: Tenant, doc_type: str, data: DocumentCreate
) -> tuple[uuid.UUID, str | None]:
    """The customer a new document bills, and the currency it inherits: a credit note that names
    its invoice takes the invoice's customer and currency unless the request gives them."""
    if doc_type == DocumentType.CREDIT_NOTE and data.related_document_id is not None:
        try:
            invoice = await get_document(
                session, tenant, data.related_document_id, DocumentType.INVOICE
            )
        except NotFound as exc:
            raise NotFound(
                f"related_document_id: no such invoice {data.related_document_id}"
            ) from exc
        return data.customer_id or invoice.customer_id, invoice.currency
    if data.customer_id is None:
        raise ValidationFailed.on_field("customer_id", "Field required")
    return data.customer_id, None


def _set_amount_due(document: Document, due: Decimal) -> None:
    """An invoice created with part of it paid outside Faktura: the difference between its
    total and `amount_due` is its `external_payment_amount` (seed 003)."""
    if document.type != DocumentType.INVOICE:
        raise ValidationFailed.on_field("amount_due", "only invoices take amount_due")
    if due < 0 or due > document.total:
        raise ValidationFailed.on_field("amount_due", "must be between 0 and the total")
    check_minor_units(due, document.currency, "amount_due")
    document.external_payment_amount = document.total - due
    document.amount_due = amount_due(document)


async def finalize_document(
    session: AsyncSession,
    tenant: Tenant,
    doc_type: str,
    document_id: uuid.UUID,
) -> Document:
    document = await get_document(session, tenant, document_id, doc_type, for_update=True)
    if document.status != DocumentStatus.DRAFT:
        raise InvalidState(f"This {label(doc_type)} is already issued as {document.number}")
    account = await accounts_service.get_account(session, tenant.account_id)
    if document.type == DocumentType.CREDIT_NOTE and document.related_document_id is not None:
        await credit_target(session, tenant, document, document.related_document_id)
    await numbering.issue(session, tenant, account, document, None, inserted=False)
    return document


# Changing


async def update_document(
    session: AsyncSession,
    tenant: Tenant,
    doc_type: str,
    document_id: uuid.UUID,
    changes: DocumentUpdate,
) -> Document:
    document = await get_document(session, tenant, document_id, doc_type, for_update=True)
    given = changes.model_fields_set
    if document.status == DocumentStatus.DRAFT:
        await _update_draft(session, tenant, document, changes)
    else:
        money = given & IMPORT_MONEY_FIELDS
        fixed = given - EDITABLE_WHEN_ISSUED - money
        if fixed:
            raise InvalidState(
                f"An issued {label(doc_type)} keeps its {', '.join(sorted(fixed))}: issue a "
                "credit note to correct it"
            )
        if money:
            await _update_imported_money(session, tenant, document, changes)
    for name in EDITABLE_WHEN_ISSUED & given:
        setattr(document, name, getattr(changes, name))
    if "due_date" in given:
        document.due_date_given = True
    if document.due_date is not None and document.due_date < document.issue_date:
        raise ValidationFailed.on_field("due_date", "cannot be before issue_date")
    if document.type == DocumentType.INVOICE and document.status != DocumentStatus.DRAFT:
        account = await accounts_service.get_account(session, tenant.account_id)
        await recalculate(session, tenant, document, account_today(account))
    document.updated_at = utcnow()
    await session.flush()
    await record_document_event(session, tenant, document, "updated")
    return document


async def _update_draft(
    session: AsyncSession,
    tenant: Tenant,
    document: Document,
    changes: DocumentUpdate,
) -> None:
    given = changes.model_fields_set
    if given & {"amount", "amount_due", "external_payment_amount"}:
        raise ValidationFailed.on_field(
            sorted(given & IMPORT_MONEY_FIELDS)[0], "change the lines of a draft instead"
        )
    account = await accounts_service.get_account(session, tenant.account_id)
    if "customer_id" in given and changes.customer_id is not None:
        customer = await customers_service.get_customer(
            session, tenant, changes.customer_id, related=False
        )
        document.customer_id = customer.id
        document.customer_name = changes.customer_name or customer.company_name
        if "customer_address" not in given:
            document.customer_address = _format_address(customer.address)
    elif changes.customer_name is not None:
        document.customer_name = changes.customer_name
    if "issue_date" in given and changes.issue_date is not None:
        document.issue_date_given = True
    for name, listed in (("biller_id", "billers"), ("payment_method_id", "payment_methods")):
        if name in given:
            chosen = getattr(changes, name)
            options = getattr(account, listed)
            setattr(document, name, chosen and _account_option(options, chosen, name, listed))
    if "locale" in given:
        document.locale = changes.locale
    for name in ("currency", "issue_date", "vat_type"):
        if name in given and getattr(changes, name) is not None:
            setattr(document, name, getattr(changes, name))
    if given & {"line_items", "tax_amount", "discount_amount", "currency", "vat_type"}:
        has_tax = (
            changes.tax_amount is not None if "tax_amount" in given else document.tax_amount_given
        )
        if "line_items" in given and changes.line_items is not None:
            lines = await resolve_lines(
                session,
                tenant,
                account,
                changes.line_items,
                document.vat_type,
                document.currency,
                has_tax,
            )
        else:  # the stored lines as they are: their items and rates stay
            lines = carried_lines(document.lines)
        tax_amount = (
            ((changes.tax_amount if "tax_amount" in given else document.tax_amount) or ZERO)
            if has_tax
            else None
        )
        discount = (
            changes.discount_amount if "discount_amount" in given else document.discount_amount
        )
        stated = [line.line_amount for line in changes.line_items or []]
        totals = total_lines(lines, document.currency, discount, tax_amount, None, stated)
        document.tax_amount_given = has_tax
        apply_totals(document, lines, totals)
    document.refresh_search_text()


async def _update_imported_money(
    session: AsyncSession,
    tenant: Tenant,
    document: Document,
    changes: DocumentUpdate,
) -> None:
    """Seed 003's updates of an imported document's money, with its cross-field rules."""
    if document.type != DocumentType.INVOICE or document.status == DocumentStatus.CANCELLED:
        raise InvalidState(
            f"The money of {a(document.status)} {label(document.type)} cannot be changed"
        )
    if document.source_type != "import":
        field = sorted(changes.model_fields_set & IMPORT_MONEY_FIELDS)[0]
        raise InvalidState(
            f"{field} can only be set on imported documents; this one was "
            "issued through the API: issue a credit note or record a payment"
        )
    given = changes.model_fields_set
    total = changes.amount if "amount" in given and changes.amount is not None else document.total
    if total <= 0:
        raise ValidationFailed.on_field("amount", "must be greater than 0")
    for field in ("amount", "amount_due", "external_payment_amount"):
        value = getattr(changes, field)
        if field in given and value is not None:
            check_minor_units(value, document.currency, field)
    external = (
        changes.external_payment_amount
        if "external_payment_amount" in given
        else document.external_payment_amount
    ) or ZERO
    if "amount_due" in given and changes.amount_due is not None:
        due = changes.amount_due
        if "external_payment_amount" not in given:
            external = total - document.amount_paid - document.amount_credited - due
    else:
        due = total - document.amount_paid - document.amount_credited - external
    problems = []
    if due < 0 or due > total:
        problems.append(ErrorDetail("amount_due", "must be between 0 and amount"))
    if external < 0 or external > total:
        problems.append(ErrorDetail("external_payment_amount", "must be between 0 and amount"))
    if not problems and total - document.amount_paid - document.amount_credited - external != due:
        problems.append(
            ErrorDetail(
                "amount_due", "amount_due must equal amount − paid − credited − external payments"
            )
        )
    if problems:
        raise ValidationFailed("; ".join(f"{p.field}: {p.message}" for p in problems), problems)
    if total != document.total:
        document.subtotal = document.subtotal + (total - document.total)
        document.total = total
    document.external_payment_amount = external


# Actions


async def delete_document(
    session: AsyncSession,
    tenant: Tenant,
    doc_type: str,
    document_id: uuid.UUID,
) -> None:
    document = await get_document(session, tenant, document_id, doc_type, for_update=True)
    if document.status != DocumentStatus.DRAFT:
        raise InvalidState(f"An issued {label(doc_type)} cannot be deleted; cancel it instead")
    await session.delete(document)
    await session.flush()
    await record_event(
        session,
        tenant,
        f"{doc_type}.deleted",
        doc_type,
        document.id,
        {"object": {"id": str(document.id), "deleted": True}},
    )


async def cancel_document(
    session: AsyncSession,
    tenant: Tenant,
    doc_type: str,
    document_id: uuid.UUID,
    reason: str | None = None,
) -> Document:
    document = await get_document(session, tenant, document_id, doc_type, for_update=True)
    if doc_type == DocumentType.CREDIT_NOTE:
        raise InvalidState("A credit note cannot be cancelled; issue an invoice to reverse it")
    if document.status == DocumentStatus.DRAFT:
        raise InvalidState(f"A draft {label(doc_type)} is deleted, not cancelled")
    if doc_type == DocumentType.INVOICE and (
        document.amount_paid > 0 or document.amount_credited > 0
    ):
        raise InvalidState(
            "A paid or partly paid or credited invoice is corrected with a "
            "credit note, not cancelled"
        )
    await _cancel(session, tenant, document, reason)
    return document


async def _cancel(
    session: AsyncSession, tenant: Tenant, document: Document, reason: str | None
) -> None:
    await transition(
        session,
        tenant,
        document,
        DocumentStatus.CANCELLED,
        events=("cancelled",),
        changes={"cancelled_at": utcnow(), "cancellation_reason": reason},
    )


async def respond_to_quote(
    session: AsyncSession,
    tenant: Tenant,
    quote_id: uuid.UUID,
    outcome: str,
) -> Document:
    quote = await get_document(session, tenant, quote_id, DocumentType.QUOTE, for_update=True)
    await transition(session, tenant, quote, DocumentStatus(outcome), events=(outcome,))
    return quote


async def convert_quote(session: AsyncSession, tenant: Tenant, quote_id: uuid.UUID) -> Document:
    """An accepted quote becomes a new issued invoice with the same lines; linked both ways."""
    quote = await get_document(session, tenant, quote_id, DocumentType.QUOTE, for_update=True)
    if quote.status != DocumentStatus.ACCEPTED:
        raise InvalidState(
            f"Only an accepted quote converts to an invoice (this one is {quote.status})"
        )
    data = DocumentCreate(
        customer_id=quote.customer_id,
        customer_name=quote.customer_name,
        customer_address=quote.customer_address,
        currency=quote.currency,
        vat_type=quote.vat_type,
        tax_amount=quote.tax_amount if quote.tax_amount_given else None,
        discount_amount=quote.discount_amount or None,
        notes=quote.notes,
        buyer_reference=quote.buyer_reference,
        purchase_order=quote.purchase_order,
    )
    invoice = await create_document(session, tenant, DocumentType.INVOICE, data, copy_of=quote)
    await transition(
        session,
        tenant,
        quote,
        DocumentStatus.CONVERTED,
        events=("converted",),
        changes={"related_document_id": invoice.id},
    )
    return invoice


async def credit_invoice(
    session: AsyncSession, tenant: Tenant, invoice: Document, amount: Decimal, reason: str
) -> Document:
    """Issue a credit note of exactly `amount` (VAT included at the invoice's main rate)."""
    return await create_document(
        session, tenant, DocumentType.CREDIT_NOTE, credit_note_for(invoice, amount, reason)
    )


def set_pdf(
    document: Document,
    status: str | None,
    source: str | None = None,
    key: str | None = None,
    sha256: str | None = None,
    size: int | None = None,
    error: str | None = None,
) -> None:
    """What pdfs/ did with the document's PDF (the caller holds the row locked)."""
    document.pdf_status = status
    document.pdf_source = source
    document.pdf_key = key
    document.pdf_sha256 = sha256
    document.pdf_size = size
    document.pdf_generated_at = utcnow() if status == "ready" else None
    document.pdf_error = error


async def record_sent(session: AsyncSession, tenant: Tenant, document_id: uuid.UUID) -> Document:
    """A mail server accepted a message with the document (email/): `sent_at` and `{type}.sent`."""
    document = await get_document(session, tenant, document_id, for_update=True)
    document.sent_at = utcnow()
    await session.flush()
    await record_document_event(session, tenant, document, "sent")
    return document


async def record_sent_all(
    session: AsyncSession, tenant: Tenant, document_ids: Sequence[uuid.UUID]
) -> None:
    """`record_sent` for a batch of messages, a document id per message: the documents locked
    together in id order, each one's `sent_at` written once, and a `{type}.sent` per message."""
    await lock_invoices(session, tenant, list(document_ids))
    now = utcnow()
    documents = {}
    for document_id in dict.fromkeys(document_ids):
        document = await get_document(session, tenant, document_id, for_update=True)
        document.sent_at = now
        documents[document_id] = document
    await session.flush()
    shown = {document_id: document_out(document) for document_id, document in documents.items()}
    for document_id in document_ids:
        document = documents[document_id]
        await record_event(
            session,
            tenant,
            f"{document.type}.sent",
            document.type,
            document.id,
            {"object": shown[document_id]},
        )
