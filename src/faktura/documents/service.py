"""Documents: create, read, change, issue, cancel, convert — the same code for the four types."""

import uuid
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, Select, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from faktura.accounts import service as accounts_service
from faktura.accounts.models import Account, NumberingRuleData, VatRateData
from faktura.core.clock import utcnow
from faktura.core.errors import (
    Conflict,
    ErrorDetail,
    InvalidState,
    NotFound,
    ValidationFailed,
)
from faktura.core.ids import uuid7
from faktura.core.jsoncodec import RawJSON
from faktura.core.money import (
    check_minor_units,
    quantize_money,
)
from faktura.core.tenant import Tenant
from faktura.customers import service as customers_service
from faktura.db.pagination import Page, PageParams, paginate, tenant_rows
from faktura.documents import numbering
from faktura.documents.models import Document, DocumentLine
from faktura.documents.output import CURRENT_TEXT, document_out
from faktura.documents.schemas import DocumentCreate, DocumentUpdate, LineItemIn
from faktura.documents.status import (
    OPEN_INVOICE,
    amount_due,
    check_move,
    move,
    recalculated_invoice_status,
    status_from_money,
)
from faktura.documents.totals import LineInput, Totals, TotalsError, check_declared_amount
from faktura.documents.totals import compute_totals as compute
from faktura.events.service import record_event
from faktura.items import service as items_service

DEFAULT_PAYMENT_TERMS = timedelta(days=30)
ZERO = Decimal(0)
ISSUED_STATUS = {
    "invoice": "pending",
    "quote": "pending",
    "credit_note": "issued",
    "receipt": "issued",
}
# Only these fields of an issued document may change: its legal content is fixed.
EDITABLE_WHEN_ISSUED = frozenset({"notes", "due_date", "customer_address"})
IMPORT_MONEY_FIELDS = frozenset({"amount", "amount_due", "external_payment_amount"})
# EN 16931 categories whose lines must say why they carry no VAT.
EXEMPTION_CATEGORIES = frozenset({"E", "AE", "K", "G", "O"})


def label(doc_type: str) -> str:
    return doc_type.replace("_", " ")


async def _record(session: AsyncSession, tenant: Tenant, document: Document, action: str) -> None:
    await record_event(
        session,
        tenant,
        f"{document.type}.{action}",
        document.type,
        document.id,
        {"object": document_out(document)},
    )


def account_today(account: Account) -> date:
    return utcnow().astimezone(zoneinfo.ZoneInfo(account.timezone)).date()


def _format_address(address: Mapping[str, Any]) -> str | None:
    city_line = " ".join(p for p in (address.get("zip"), address.get("city")) if p)
    parts = [address.get("street"), city_line, address.get("state"), address.get("country")]
    text = ", ".join(p for p in parts if p)
    return text or None


# Lines and totals


@dataclass
class _ResolvedLine:
    row: dict[str, Any]
    totals_input: LineInput


def _vat_rate_of(account: Account, rate_id: str, field: str) -> VatRateData:
    for rate in account.vat_rates:
        if rate["id"] == rate_id:
            return rate
    raise ValidationFailed.on_field(field, f"no VAT rate '{rate_id}' in this account")


def _standard_rate(account: Account) -> VatRateData | None:
    return next((r for r in account.vat_rates if r.get("category") == "S"), None)


async def _resolve_lines(
    session: AsyncSession,
    tenant: Tenant,
    account: Account,
    lines: list[LineItemIn],
    doc_vat_type: str,
    currency: str,
    has_tax_amount: bool,
) -> list[_ResolvedLine]:
    resolved = []
    for index, line in enumerate(lines):
        path = f"line_items[{index}]"
        item = None
        if line.item_id is not None:
            try:
                item = await items_service.get_item(session, tenant, line.item_id)
            except NotFound as exc:
                raise NotFound(f"{path}.item_id: no such item {line.item_id}") from exc
            if not item.active:
                raise ValidationFailed.on_field(f"{path}.item_id", "the item is archived")
            if line.unit_price is None and item.currency != currency:
                raise ValidationFailed.on_field(
                    f"{path}.unit_price",
                    f"the item is priced in {item.currency}; give a price in {currency}",
                )
        description = line.description or (item.name if item else None)
        if description is None:
            raise ValidationFailed.on_field(f"{path}.description", "required without item_id")
        unit_price = (
            line.unit_price if line.unit_price is not None else (item.unit_price if item else None)
        )
        if unit_price is None:
            raise ValidationFailed.on_field(f"{path}.unit_price", "required without item_id")
        vat_type = line.vat_type or (item.vat_type if item else doc_vat_type)
        rate_id = line.vat_rate_id
        if rate_id is None and line.vat_rate is None and item is not None:
            rate_id = item.vat_rate_id
        rate: Decimal | None = None
        category: str | None = None
        if vat_type == "exempt":
            if line.vat_rate_id or line.vat_rate:
                raise ValidationFailed.on_field(f"{path}.vat_rate", "an exempt line has no rate")
            rate_id = None
        elif has_tax_amount:
            rate_id = None
        elif rate_id is not None:
            account_rate = _vat_rate_of(account, rate_id, f"{path}.vat_rate_id")
            rate, category = Decimal(str(account_rate["rate"])), account_rate.get("category")
            if line.vat_rate is not None and line.vat_rate != rate:
                raise ValidationFailed.on_field(
                    f"{path}.vat_rate", f"contradicts vat_rate_id {rate_id} ({rate} %)"
                )
            if category in EXEMPTION_CATEGORIES and not line.vat_exemption_reason:
                raise ValidationFailed.on_field(
                    f"{path}.vat_exemption_reason",
                    f"required with a VAT rate of category {category}",
                )
        elif line.vat_rate is not None:
            rate = line.vat_rate
        elif (standard := _standard_rate(account)) is not None:
            rate_id, rate, category = standard["id"], Decimal(str(standard["rate"])), "S"
        discount_amount = line.discount.amount if line.discount else None
        discount_percent = line.discount.percent if line.discount else None
        resolved.append(
            _ResolvedLine(
                row={
                    "position": index,
                    "item_id": item.id if item else None,
                    "description": description,
                    "quantity": line.quantity,
                    "unit_price": unit_price,
                    "unit": line.unit or (item.unit if item else None),
                    "discount_amount": discount_amount,
                    "discount_percent": discount_percent,
                    "vat_type": vat_type,
                    "vat_rate_id": rate_id,
                    "vat_rate": rate,
                    "vat_exemption_reason": line.vat_exemption_reason,
                },
                totals_input=LineInput(
                    quantity=line.quantity,
                    unit_price=unit_price,
                    vat_type=vat_type,  # type: ignore[arg-type]
                    vat_rate=rate,
                    vat_category=category,
                    discount_amount=discount_amount,
                    discount_percent=discount_percent,
                    vat_exemption_reason=line.vat_exemption_reason,
                ),
            )
        )
    return resolved


def _compute(
    lines: list[_ResolvedLine],
    currency: str,
    discount: Decimal | None,
    tax_amount: Decimal | None,
    declared: Decimal | None,
) -> Totals:
    try:
        totals = compute(
            [line.totals_input for line in lines],
            currency,
            discount_amount=discount,
            tax_amount=tax_amount,
        )
        if declared is not None:
            check_declared_amount(totals, declared, currency)
    except TotalsError as exc:
        details = [ErrorDetail(path, message) for path, message in exc.problems]
        raise ValidationFailed(str(exc), details) from exc
    return totals


def _legacy_line(
    amount: Decimal, tax_amount: Decimal | None, discount: Decimal | None, currency: str
) -> LineItemIn:
    """Seed 003's single `amount`: one line whose math gives exactly that total."""
    check_minor_units(amount, currency, "amount")
    net = amount - (tax_amount or ZERO) + (discount or ZERO)
    return LineItemIn(
        description="Amount", quantity=Decimal(1), unit_price=quantize_money(net, currency)
    )


def _carried_lines(lines: list[DocumentLine]) -> list[_ResolvedLine]:
    """Stored lines, re-totalled as they are: no catalog or account lookups, same rates."""
    carried = []
    for line in lines:
        row = {
            "position": line.position,
            "item_id": line.item_id,
            "description": line.description,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "unit": line.unit,
            "discount_amount": line.discount_amount,
            "discount_percent": line.discount_percent,
            "vat_type": line.vat_type,
            "vat_rate_id": line.vat_rate_id,
            "vat_rate": line.vat_rate,
            "vat_exemption_reason": line.vat_exemption_reason,
        }
        carried.append(
            _ResolvedLine(
                row=row,
                totals_input=LineInput(
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    vat_type=line.vat_type,  # type: ignore[arg-type]
                    vat_rate=line.vat_rate,
                    vat_category=line.vat_category,
                    discount_amount=line.discount_amount,
                    discount_percent=line.discount_percent,
                    vat_exemption_reason=line.vat_exemption_reason,
                ),
            )
        )
    return carried


def _apply_totals(document: Document, lines: list[_ResolvedLine], totals: Totals) -> None:
    document.lines = [
        DocumentLine(id=uuid7(), **line.row, amount=result.amount, vat_category=result.vat_category)
        for line, result in zip(lines, totals.lines, strict=True)
    ]
    document.subtotal = totals.subtotal
    document.discount_amount = totals.discount_amount
    document.tax_amount = totals.tax_amount
    document.tax_breakdown = [
        {"rate": row.rate, "category": row.category, "taxable": row.taxable, "tax": row.tax}
        for row in totals.tax_breakdown
    ]
    document.total = totals.total
    document.amount_due = amount_due(document)


def _refresh_search_text(document: Document) -> None:
    document.search_text = " ".join(
        p.casefold() for p in (document.number, document.customer_name) if p
    )


# Reading


def _documents(account_id: Any, livemode: Any) -> Select[Document]:
    """Documents of one account and mode, their lines read in the same query (an outer join).
    The values may be bind parameters, for a statement built once and run many times."""
    return (
        select(Document)
        .where(Document.account_id == account_id, Document.livemode == livemode)
        .options(joinedload(Document.lines))
    )


# The documents this transaction has read locked: nobody else can change them until it ends,
# so they are not read again.
_LOCKED = "faktura.locked_documents"


def _locked(session: AsyncSession) -> dict[uuid.UUID, Document]:
    locked: dict[uuid.UUID, Document] = session.info.setdefault(_LOCKED, {})
    return locked


def _locking(statement: Select[Document]) -> Select[Document]:
    """Lock the documents' rows (not their lines': the outer join's side cannot be locked)
    and read them afresh: an earlier read in this transaction may be stale."""
    return statement.with_for_update(of=Document).execution_options(populate_existing=True)


def _one_document(typed: bool, for_update: bool) -> Select[Document]:
    """The query of one document by id, built once per shape and run with bound values: making
    a statement with its loader options cost more than running it."""
    statement = _documents(bindparam("account_id"), bindparam("livemode")).where(
        Document.id == bindparam("document_id")
    )
    if typed:
        statement = statement.where(Document.type == bindparam("doc_type"))
    return _locking(statement) if for_update else statement


_ONE_DOCUMENT = {
    (typed, for_update): _one_document(typed, for_update)
    for typed in (False, True)
    for for_update in (False, True)
}


def _one_values(tenant: Tenant, document_id: uuid.UUID, doc_type: str | None) -> dict[str, Any]:
    """The bound values of the statements that read one document (`_ONE_DOCUMENT`,
    `_STORED_TEXT`)."""
    values: dict[str, Any] = {
        "account_id": tenant.account_id,
        "livemode": tenant.livemode,
        "document_id": document_id,
    }
    if doc_type is not None:
        values["doc_type"] = doc_type
    return values


def _not_found(doc_type: str | None) -> NotFound:
    return NotFound(f"{label(doc_type or 'document').capitalize()} not found")


async def get_document(
    session: AsyncSession,
    tenant: Tenant,
    document_id: uuid.UUID,
    doc_type: str | None = None,
    *,
    for_update: bool = False,
) -> Document:
    """One document of the tenant with its lines; `for_update` locks it until the transaction
    ends (a document the transaction already locked is not read again)."""
    document = _locked(session).get(document_id) if for_update else None
    if document is None or (doc_type is not None and document.type != doc_type):
        statement = _ONE_DOCUMENT[(doc_type is not None, for_update)]
        found = await session.execute(statement, _one_values(tenant, document_id, doc_type))
        document = found.unique().scalar_one_or_none()
        if document is None:
            raise _not_found(doc_type)
        if for_update:
            _locked(session)[document.id] = document
    return document


def _stored_text(typed: bool) -> Select[str | None]:
    statement = select(CURRENT_TEXT).where(
        Document.account_id == bindparam("account_id"),
        Document.livemode == bindparam("livemode"),
        Document.id == bindparam("document_id"),
    )
    if typed:
        statement = statement.where(Document.type == bindparam("doc_type"))
    return statement


_STORED_TEXT = {typed: _stored_text(typed) for typed in (False, True)}


async def read_document(
    session: AsyncSession, tenant: Tenant, document_id: uuid.UUID, doc_type: str | None = None
) -> dict[str, Any] | RawJSON:
    """One document as the API shows it: its stored text (output.py), or, for a document
    without a current one, built from the document."""
    values = _one_values(tenant, document_id, doc_type)
    found = (await session.execute(_STORED_TEXT[doc_type is not None], values)).first()
    if found is None:
        raise _not_found(doc_type)
    if found.rendered is not None:
        return RawJSON(found.rendered)
    return document_out(await get_document(session, tenant, document_id, doc_type))


@dataclass(frozen=True)
class DocumentFilters:
    doc_type: str | None = None
    statuses: tuple[str, ...] = ()
    customer_id: uuid.UUID | None = None
    issued_from: date | None = None
    issued_to: date | None = None
    due_from: date | None = None
    due_to: date | None = None
    number: str | None = None
    search: str | None = None


def _filtered(
    statement: Select[*tuple[Any, ...]], tenant: Tenant, filters: DocumentFilters
) -> Select[*tuple[Any, ...]]:
    statement = statement.where(tenant_rows(Document, tenant))
    if filters.doc_type is not None:
        statement = statement.where(Document.type == filters.doc_type)
    if filters.statuses:
        statement = statement.where(Document.status.in_(filters.statuses))
    if filters.customer_id is not None:
        statement = statement.where(Document.customer_id == filters.customer_id)
    if filters.issued_from is not None:
        statement = statement.where(Document.issue_date >= filters.issued_from)
    if filters.issued_to is not None:
        statement = statement.where(Document.issue_date <= filters.issued_to)
    if filters.due_from is not None:
        statement = statement.where(Document.due_date >= filters.due_from)
    if filters.due_to is not None:
        statement = statement.where(Document.due_date <= filters.due_to)
    if filters.number is not None:
        statement = statement.where(Document.number == filters.number)
    if filters.search:
        statement = statement.where(
            Document.search_text.contains(filters.search.casefold(), autoescape=True)
        )
    return statement


async def list_documents(
    session: AsyncSession,
    tenant: Tenant,
    filters: DocumentFilters,
    params: PageParams,
) -> Page[dict[str, Any] | RawJSON]:
    """A page of documents as the API shows them: their stored text (`output.py`), and for
    a document without a current one, built from its row and lines (read with SQLAlchemy Core:
    objects for a page of rows cost more than the rest of the request). A document deleted
    between the page and that read is left out, as a moment later it would be."""
    statement = _filtered(select(Document.id, CURRENT_TEXT), tenant, filters)
    page: Page[Row[Any]] = await paginate(session, statement, Document.id, params, rows=True)
    built: dict[uuid.UUID, dict[str, Any]] = {}
    unwritten = [row.id for row in page.items if row.rendered is None]
    if unwritten:
        lines: dict[uuid.UUID, list[Row[Any]]] = {document_id: [] for document_id in unwritten}
        read = await session.execute(
            select(*DocumentLine.__table__.columns)
            .where(DocumentLine.document_id.in_(unwritten))
            .order_by(DocumentLine.document_id, DocumentLine.position)
        )
        for line in read:
            lines[line.document_id].append(line)
        rows = await session.execute(
            select(*Document.__table__.columns).where(Document.id.in_(unwritten))
        )
        built = {row.id: document_out(row, lines[row.id]) for row in rows}
    shown: list[dict[str, Any] | RawJSON] = [
        RawJSON(row.rendered) if row.rendered is not None else built[row.id]
        for row in page.items
        if row.rendered is not None or row.id in built
    ]
    return Page(shown, page.page, page.per_page, page.total, page.has_more)


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
    customer = await customers_service.get_customer(
        session, tenant, data.customer_id, related=False
    )
    currency = data.currency or customer.currency
    issue_date = data.issue_date or account_today(account)
    due_date = data.due_date
    if due_date is None and doc_type == "invoice":
        due_date = issue_date + DEFAULT_PAYMENT_TERMS
    if due_date is not None and due_date < issue_date:
        raise ValidationFailed.on_field("due_date", "cannot be before issue_date")
    line_inputs = data.line_items
    if copy_of is not None:
        has_tax_amount = copy_of.tax_amount_given
        lines = _carried_lines(copy_of.lines)
    else:
        if not line_inputs:
            if data.amount is None:
                raise ValidationFailed(
                    "Give line_items or an amount",
                    [ErrorDetail("line_items", "give line_items or an amount")],
                )
            line_inputs = [
                _legacy_line(data.amount, data.tax_amount, data.discount_amount, currency)
            ]
        has_tax_amount = data.tax_amount is not None or not data.line_items
        lines = await _resolve_lines(
            session, tenant, account, line_inputs, data.vat_type, currency, has_tax_amount
        )
    tax_amount = (data.tax_amount or ZERO) if has_tax_amount else None
    totals = _compute(lines, currency, data.discount_amount, tax_amount, data.amount)
    now = utcnow()
    # Ids and times are the object's from the start: the created event is written from it
    # before the rows are (they go with the transaction's next statement).
    document = Document(
        id=uuid7(),
        created_at=now,
        updated_at=now,
        account_id=tenant.account_id,
        livemode=tenant.livemode,
        type=doc_type,
        status="draft",
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
        source_type=data.source_type,
        tax_amount_given=has_tax_amount,
        amount_paid=ZERO,
        amount_credited=ZERO,
        external_payment_amount=ZERO,
    )
    _apply_totals(document, lines, totals)
    if data.amount_due is not None:
        _set_imported_due(document, data.source_type, data.amount_due)
    if doc_type == "credit_note":
        if data.related_document_id is None:
            raise ValidationFailed.on_field(
                "related_document_id", "a credit note names the invoice it reduces"
            )
        await _check_credit_target(session, tenant, document, data.related_document_id)
    elif data.related_document_id is not None:
        raise ValidationFailed.on_field("related_document_id", "only credit notes take one")
    if copy_of is not None:
        document.related_document_id = copy_of.id
    _refresh_search_text(document)
    session.add(document)
    await _record(session, tenant, document, "created")
    if data.status != "draft":
        await _issue(session, tenant, account, document, data.number)
    elif data.number is not None:
        raise ValidationFailed.on_field(
            "number", "a draft has no number; it is numbered when finalized"
        )
    return document


def _set_imported_due(document: Document, source_type: str, due: Decimal) -> None:
    if source_type != "import":
        raise ValidationFailed.on_field("amount_due", "only imported documents take amount_due")
    if due < 0 or due > document.total:
        raise ValidationFailed.on_field("amount_due", "must be between 0 and the total")
    check_minor_units(due, document.currency, "amount_due")
    document.external_payment_amount = document.total - due
    document.amount_due = amount_due(document)


async def _issue(
    session: AsyncSession,
    tenant: Tenant,
    account: Account,
    document: Document,
    number: str | None,
) -> None:
    """Give a draft its number and make it a legal document, in the caller's transaction.

    The caller holds the draft's row (it created it, or read it locked). The number is taken
    last: the sequence's counter stays locked from then until commit, so only the writes that
    carry the number — the document's row and its events — happen under that lock.
    """
    today = account_today(account)
    if not document.issue_date_given and document.issue_date != today:
        if not document.due_date_given and document.due_date is not None:
            document.due_date += today - document.issue_date
        document.issue_date = today
    issued = ISSUED_STATUS[document.type]
    check_move(document, issued, allowed_from=frozenset({"draft"}))
    document.status = issued
    document.finalized_at = utcnow()
    if document.type == "invoice":
        document.amount_due = amount_due(document)
        document.status = recalculated_invoice_status(document, today)
    if document.type == "credit_note":
        await _apply_credit(session, tenant, account, document)
    given = number is not None
    rule = account.numbering[document.type]
    document.number = await _number(session, tenant, document, rule, number)
    _refresh_search_text(document)
    # Stamped now, not by the flush below: the finalized event is written from the document.
    document.updated_at = utcnow()
    await _record(session, tenant, document, "finalized")
    if document.type == "invoice" and document.status in ("paid", "overdue"):
        await _record(session, tenant, document, document.status)
    if not given:
        await session.flush()
        return
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # a number taken by a concurrent request of another year
        raise Conflict(
            f"A {label(document.type)} numbered '{document.number}' already exists"
        ) from exc


async def _number(
    session: AsyncSession,
    tenant: Tenant,
    document: Document,
    rule: NumberingRuleData,
    number: str | None,
) -> str:
    """The number given by hand once checked free, else the sequence's next free number."""
    if number is not None:
        await numbering.lock_for_manual_number(
            session, tenant, document.type, document.issue_date, rule
        )
        if await _number_taken(session, tenant, document.type, number):
            raise Conflict(f"A {label(document.type)} numbered '{number}' already exists")
        return number
    number, check = await numbering.take_number(
        session, tenant, document.type, document.issue_date, rule
    )
    # A number a caller already gave by hand is skipped: it is itself in the sequence.
    while check and await _number_taken(session, tenant, document.type, number):
        number, check = await numbering.take_number(
            session, tenant, document.type, document.issue_date, rule
        )
    return number


async def _number_taken(
    session: AsyncSession,
    tenant: Tenant,
    doc_type: str,
    number: str,
) -> bool:
    return (
        await session.execute(
            select(Document.id).where(
                Document.account_id == tenant.account_id,
                Document.livemode == tenant.livemode,
                Document.type == doc_type,
                Document.number == number,
            )
        )
    ).first() is not None


async def finalize_document(
    session: AsyncSession,
    tenant: Tenant,
    doc_type: str,
    document_id: uuid.UUID,
) -> Document:
    document = await get_document(session, tenant, document_id, doc_type, for_update=True)
    if document.status != "draft":
        raise InvalidState(f"This {label(doc_type)} is already issued as {document.number}")
    account = await accounts_service.get_account(session, tenant.account_id)
    if document.type == "credit_note" and document.related_document_id is not None:
        await _check_credit_target(session, tenant, document, document.related_document_id)
    await _issue(session, tenant, account, document, None)
    return document


# Money and status


async def _recalculate(
    session: AsyncSession,
    tenant: Tenant,
    document: Document,
    today: date,
    *,
    announce: bool = True,
) -> None:
    """After a change to the money: amount_due and the status follow it (API.md). Every
    caller holds the invoice's row locked, so the status is set on it directly."""
    document.amount_due = amount_due(document)
    new_status = recalculated_invoice_status(document, today)
    if new_status != document.status:
        check_move(document, new_status, allowed_from=OPEN_INVOICE)
        document.status = new_status
        if new_status in ("paid", "overdue") and announce:
            await session.flush()
            await _record(session, tenant, document, new_status)


async def _check_credit_target(
    session: AsyncSession,
    tenant: Tenant,
    credit_note: Document,
    invoice_id: uuid.UUID,
) -> Document:
    try:
        invoice = await get_document(session, tenant, invoice_id, "invoice", for_update=True)
    except NotFound as exc:
        raise NotFound(f"related_document_id: no such invoice {invoice_id}") from exc
    if invoice.status in ("draft", "cancelled"):
        raise InvalidState(f"A {invoice.status} invoice cannot be credited")
    if invoice.currency != credit_note.currency:
        raise ValidationFailed.on_field("currency", f"the invoice is in {invoice.currency}")
    if invoice.customer_id != credit_note.customer_id:
        raise ValidationFailed.on_field("customer_id", "the invoice belongs to another customer")
    if credit_note.total > invoice.amount_due:
        raise ValidationFailed.on_field(
            "total",
            f"the credit note ({credit_note.total}) exceeds what the invoice still "
            f"has due ({invoice.amount_due})",
        )
    credit_note.related_document_id = invoice.id
    return invoice


async def _apply_credit(
    session: AsyncSession,
    tenant: Tenant,
    account: Account,
    credit_note: Document,
) -> None:
    assert credit_note.related_document_id is not None
    invoice = await _check_credit_target(
        session, tenant, credit_note, credit_note.related_document_id
    )
    invoice.amount_credited += credit_note.total
    await _recalculate(session, tenant, invoice, account_today(account))
    await session.flush()
    await _record(session, tenant, invoice, "updated")


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
    if document.status == "draft":
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
    if document.type == "invoice" and document.status != "draft":
        account = await accounts_service.get_account(session, tenant.account_id)
        await _recalculate(session, tenant, document, account_today(account))
    document.updated_at = utcnow()
    await session.flush()
    await _record(session, tenant, document, "updated")
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
    for name in ("currency", "issue_date", "vat_type"):
        if name in given and getattr(changes, name) is not None:
            setattr(document, name, getattr(changes, name))
    if given & {"line_items", "tax_amount", "discount_amount", "currency", "vat_type"}:
        has_tax = (
            changes.tax_amount is not None if "tax_amount" in given else document.tax_amount_given
        )
        if "line_items" in given and changes.line_items is not None:
            lines = await _resolve_lines(
                session,
                tenant,
                account,
                changes.line_items,
                document.vat_type,
                document.currency,
                has_tax,
            )
        else:  # the stored lines as they are: their items and rates stay
            lines = _carried_lines(document.lines)
        tax_amount = (
            ((changes.tax_amount if "tax_amount" in given else document.tax_amount) or ZERO)
            if has_tax
            else None
        )
        discount = (
            changes.discount_amount if "discount_amount" in given else document.discount_amount
        )
        totals = _compute(lines, document.currency, discount, tax_amount, None)
        document.tax_amount_given = has_tax
        _apply_totals(document, lines, totals)
    _refresh_search_text(document)


async def _update_imported_money(
    session: AsyncSession,
    tenant: Tenant,
    document: Document,
    changes: DocumentUpdate,
) -> None:
    """Seed 003's updates of an imported document's money, with its cross-field rules."""
    if document.type != "invoice" or document.status == "cancelled":
        raise InvalidState(
            f"The money of a {document.status} {label(document.type)} cannot be changed"
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
    if document.status != "draft":
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
) -> Document:
    document = await get_document(session, tenant, document_id, doc_type, for_update=True)
    if doc_type == "credit_note":
        raise InvalidState("A credit note cannot be cancelled; issue an invoice to reverse it")
    if document.status == "draft":
        raise InvalidState(f"A draft {label(doc_type)} is deleted, not cancelled")
    if doc_type == "invoice" and (document.amount_paid > 0 or document.amount_credited > 0):
        raise InvalidState(
            "A paid or partly paid or credited invoice is corrected with a "
            "credit note, not cancelled"
        )
    allowed = {
        "invoice": {"pending", "overdue"},
        "quote": {"pending", "accepted", "declined"},
        "receipt": {"issued"},
    }[doc_type]
    await move(session, document, "cancelled", allowed_from=frozenset(allowed))
    document.cancelled_at = utcnow()
    await session.flush()
    await _record(session, tenant, document, "cancelled")
    return document


async def respond_to_quote(
    session: AsyncSession,
    tenant: Tenant,
    quote_id: uuid.UUID,
    outcome: str,
) -> Document:
    quote = await get_document(session, tenant, quote_id, "quote", for_update=True)
    await move(session, quote, outcome, allowed_from=frozenset({"pending"}))
    await session.flush()
    await _record(session, tenant, quote, outcome)
    return quote


async def convert_quote(session: AsyncSession, tenant: Tenant, quote_id: uuid.UUID) -> Document:
    """An accepted quote becomes a new issued invoice with the same lines; linked both ways."""
    quote = await get_document(session, tenant, quote_id, "quote", for_update=True)
    if quote.status != "accepted":
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
    )
    invoice = await create_document(session, tenant, "invoice", data, copy_of=quote)
    await move(session, quote, "converted", allowed_from=frozenset({"accepted"}))
    quote.related_document_id = invoice.id
    await session.flush()
    await _record(session, tenant, quote, "converted")
    return invoice


async def mark_overdue_invoices(session: AsyncSession, limit: int = 1000) -> int:
    """Pending invoices whose due date has passed in their account's time zone → overdue."""
    candidates = (
        await session.execute(
            select(Document, Account.timezone)
            .join(Account, Account.id == Document.account_id)
            .where(
                Document.type == "invoice",
                Document.status == "pending",
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
            await _recalculate(session, tenant, document, today)
            moved += 1
    return moved


# Payments (called by the payments domain, in its transaction)


async def apply_payment(
    session: AsyncSession,
    tenant: Tenant,
    invoice_id: uuid.UUID,
    delta: Decimal,
    currency: str,
    *,
    field: str,
) -> Document:
    """Add (or, negative, take back) paid money on an invoice; its status follows.

    The invoice row is locked first, so concurrent payments queue and can never together
    take more than is due.
    """
    try:
        invoice = await get_document(session, tenant, invoice_id, "invoice", for_update=True)
    except NotFound as exc:
        raise NotFound(f"{field}: no such invoice {invoice_id}") from exc
    if delta > 0:
        if invoice.status in ("draft", "cancelled"):
            raise InvalidState(f"A {invoice.status} invoice cannot take payments")
        if invoice.currency != currency:
            raise ValidationFailed.on_field(
                field, f"the invoice is in {invoice.currency}, the payment in {currency}"
            )
        if delta > invoice.amount_due:
            raise ValidationFailed.on_field(
                field.replace("invoice_id", "amount"),
                f"{delta} exceeds what invoice {invoice.number} still has due "
                f"({invoice.amount_due})",
            )
    invoice.amount_paid += delta
    invoice.updated_at = utcnow()
    account = await accounts_service.get_account(session, tenant.account_id)
    await _recalculate(session, tenant, invoice, account_today(account))
    await _record(session, tenant, invoice, "updated")
    return invoice


# Holds: disputes and payment plans (called by the receivables domain)


async def hold_invoice(
    session: AsyncSession, tenant: Tenant, invoice_id: uuid.UUID, hold: str, *, field: str
) -> Document:
    """Put an open invoice in_dispute or in_payment_plan: recalculation then leaves it there."""
    try:
        invoice = await get_document(session, tenant, invoice_id, "invoice", for_update=True)
    except NotFound as exc:
        raise NotFound(f"{field}: no such invoice {invoice_id}") from exc
    if invoice.amount_due <= 0:
        raise InvalidState(f"Invoice {invoice.number} has nothing due")
    await move(session, invoice, hold, allowed_from=frozenset({"pending", "overdue", "partial"}))
    invoice.updated_at = utcnow()
    await session.flush()
    await _record(session, tenant, invoice, "updated")
    return invoice


async def release_invoice(
    session: AsyncSession, tenant: Tenant, invoice_id: uuid.UUID, hold: str
) -> Document:
    """End a hold: the status follows the money again."""
    invoice = await get_document(session, tenant, invoice_id, "invoice", for_update=True)
    account = await accounts_service.get_account(session, tenant.account_id)
    new_status = status_from_money(invoice, account_today(account))
    await move(session, invoice, new_status, allowed_from=frozenset({hold}))
    invoice.updated_at = utcnow()
    await session.flush()
    await _record(session, tenant, invoice, "updated")
    if new_status in ("paid", "overdue"):
        await _record(session, tenant, invoice, new_status)
    return invoice


async def credit_invoice(
    session: AsyncSession, tenant: Tenant, invoice: Document, amount: Decimal, reason: str
) -> Document:
    """Issue a credit note of exactly `amount` (VAT included at the invoice's main rate)."""
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
    return await create_document(
        session,
        tenant,
        "credit_note",
        DocumentCreate(
            customer_id=invoice.customer_id,
            currency=invoice.currency,
            related_document_id=invoice.id,
            line_items=[line_item],
            tax_amount=tax_amount,
            vat_type="included",
        ),
    )


async def lock_invoices(
    session: AsyncSession, tenant: Tenant, invoice_ids: list[uuid.UUID]
) -> None:
    """Lock the invoices a request will change, all at once and in id order, so that two
    requests touching the same invoices in another order queue instead of deadlocking. The
    request's later locked reads of them (get_document) then need no query."""
    if not invoice_ids:
        return
    found = await session.execute(
        _locking(
            _documents(tenant.account_id, tenant.livemode)
            .where(Document.id.in_(sorted(set(invoice_ids))))
            .order_by(Document.id)
        )
    )
    _locked(session).update((document.id, document) for document in found.unique().scalars())
