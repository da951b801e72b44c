"""The document as the API shows it: built by `document_out`, and kept in `documents.rendered`.

Every transaction that changes a document writes, in the flush that writes the change, the JSON
of the document as it now is; pages and retrievals send that text instead of building it again.
Building a page of 25 invoices (some two thousand exact amounts, ids and dates) cost eight
times a read by primary key; sending their text costs about what reading the rows does.

A text is shown only while it is current (`CURRENT_TEXT`): written for the row's updated_at,
by this version of the output. Anything that changes a document moves its updated_at — also a
process of an older release during an upgrade, or code that forgot to say so — and a text
written for another updated_at or `OUTPUT_VERSION` is not shown: the document is built from
its row, as when it has no text (made before the column existed).

ORM changes to documents and their lines are noticed at every flush; a change made in SQL
(`status.move`) sets the new values on the object and calls `mark_changed`. The test suite
checks after every test that each text is current and equals `document_out` of the document.

When `document_out` changes what it writes, raise `OUTPUT_VERSION` (a test pins the output of
each version): texts of the old version are then built on reading until rewritten.
"""

import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import chain
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, case, event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.util import identity_key

from faktura.core.clock import utcnow
from faktura.core.ids import uuid7
from faktura.core.jsoncodec import dumps, format_datetime
from faktura.core.money import amount_display, normalize_decimal
from faktura.documents.models import Document, DocumentLine


def _text(value: uuid.UUID | date | datetime | None) -> str | None:
    """An id, date or timestamp as the JSON text of the API (null stays None)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _figure(value: Decimal | None) -> Decimal | None:
    """A quantity, percentage or rate: the digits it has, no trailing zeros (2.5000 → 2.5)."""
    return None if value is None else normalize_decimal(value.normalize())


def _line_out(
    line: DocumentLine | Row[Any], display: Callable[[Decimal], Decimal]
) -> dict[str, Any]:
    discount = line.discount_amount
    return {
        "id": str(line.id),
        "item_id": _text(line.item_id),
        "description": line.description,
        "quantity": _figure(line.quantity),
        "unit_price": display(line.unit_price),
        "unit": line.unit,
        "discount_amount": None if discount is None else display(discount),
        "discount_percent": _figure(line.discount_percent),
        "vat_type": line.vat_type,
        "vat_rate_id": line.vat_rate_id,
        "vat_rate": _figure(line.vat_rate),
        "vat_category": line.vat_category,
        "vat_exemption_reason": line.vat_exemption_reason,
        "amount": display(line.amount),
    }


def document_out(
    document: Document | Row[Any], lines: Sequence[DocumentLine | Row[Any]] | None = None
) -> dict[str, Any]:
    """The document as the API shows it: the fields of the `Document` schema, in its order,
    amounts as exact Decimals and ids, dates and times already as the JSON text they become.

    Built as a plain dict, not through the schema: responses and events build it for every
    document they hold, and validating what Faktura itself computed only cost time. A row read
    with Core serves as well as the ORM object, its lines given apart.
    """
    currency = document.currency
    money = amount_display(currency)
    return {
        "id": str(document.id),
        "object": "document",
        "type": document.type,
        "number": document.number,
        "status": document.status,
        "customer_id": str(document.customer_id),
        "customer_name": document.customer_name,
        "customer_address": document.customer_address,
        "currency": currency,
        "issue_date": document.issue_date.isoformat(),
        "due_date": _text(document.due_date),
        "vat_type": document.vat_type,
        "line_items": [
            _line_out(line, money) for line in (document.lines if lines is None else lines)
        ],
        "subtotal": money(document.subtotal),
        "discount_amount": money(document.discount_amount),
        "tax_amount": money(document.tax_amount),
        "tax_breakdown": [
            {
                "rate": None if row["rate"] is None else normalize_decimal(Decimal(row["rate"])),
                "category": row["category"],
                "taxable": money(Decimal(row["taxable"])),
                "tax": money(Decimal(row["tax"])),
            }
            for row in document.tax_breakdown
        ],
        "total": money(document.total),
        "amount_paid": money(document.amount_paid),
        "amount_credited": money(document.amount_credited),
        "external_payment_amount": money(document.external_payment_amount),
        "amount_due": money(document.amount_due),
        "notes": document.notes,
        "source_type": document.source_type,
        "related_document_id": _text(document.related_document_id),
        "finalized_at": _text(document.finalized_at),
        "sent_at": _text(document.sent_at),
        "cancelled_at": _text(document.cancelled_at),
        "livemode": document.livemode,
        "created_at": format_datetime(document.created_at),
        "updated_at": format_datetime(document.updated_at),
    }


# Raised whenever `document_out` writes anything differently.
OUTPUT_VERSION = 1

# The stored text where it is current, else null (the document is then built).
CURRENT_TEXT: ColumnElement[str | None] = case(
    (
        and_(
            Document.rendered_version == OUTPUT_VERSION,
            Document.rendered_at == Document.updated_at,
        ),
        Document.rendered,
    ),
    else_=None,
).label("rendered")


def rendered_text(document: Document) -> str:
    return dumps(document_out(document)).decode()


def write_text(document: Document) -> None:
    """Store the document's current text, stamped with what it was written for (after giving
    it the values the flush would: `_stamp`)."""
    _stamp(document)
    document.rendered = rendered_text(document)
    document.rendered_at = document.updated_at
    document.rendered_version = OUTPUT_VERSION


_TEXT_FIELDS = frozenset({"rendered", "rendered_at", "rendered_version"})

# Documents changed in SQL (`mark_changed`) whose text is still to be written, by id.
_CHANGED = "faktura.changed_documents"


def mark_changed(session: Session, document: Document) -> None:
    """Say that `document` changed in a way the ORM did not see (an UPDATE in SQL, whose new
    values, updated_at included, the caller has set on the object)."""
    changed: dict[uuid.UUID, Document] = session.info.setdefault(_CHANGED, {})
    changed[document.id] = document


@event.listens_for(Session, "before_flush")
def _write_into_the_flush(session: Session, _context: Any, _instances: Any) -> None:
    """The text goes out with the flush that writes the change: no statement of its own."""
    changed: dict[uuid.UUID, Document] = session.info.pop(_CHANGED, {})
    for instance in chain(session.new, session.dirty):
        if isinstance(instance, Document):
            if instance in session.new:
                instance.id = instance.id or uuid7()  # its key here, as the flush would give it
                changed[instance.id] = instance
            elif _changes(instance) - _TEXT_FIELDS:
                changed[instance.id] = instance
        elif isinstance(instance, DocumentLine) and instance.document_id is not None:
            document = session.identity_map.get(identity_key(Document, instance.document_id))
            if isinstance(document, Document):
                changed[document.id] = document
    for document in changed.values():
        if document not in session.deleted and not inspect(document).was_deleted:
            write_text(document)


@event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    """A change made in SQL after the last flush: the commit's flush writes its text."""
    for document in session.info.pop(_CHANGED, {}).values():
        if not inspect(document).was_deleted:
            write_text(document)


@event.listens_for(Session, "after_soft_rollback")
def _forget_changed_documents(session: Session, _transaction: Any) -> None:
    session.info.pop(_CHANGED, None)


def _changes(document: Document) -> set[str]:
    state = inspect(document)
    return {attribute.key for attribute in state.attrs if attribute.history.has_changes()}


def _stamp(document: Document) -> None:
    """Give the document, before its text is written, the values the flush would give it: a new
    one its defaults, a changed one the updated_at of `onupdate`. A document whose changes were
    all written keeps its updated_at: writing its text alone is not a change."""
    if document.id is None or inspect(document).pending:
        document.id = document.id or uuid7()
        document.created_at = document.created_at or utcnow()
        document.updated_at = document.updated_at or document.created_at
        if document.tax_breakdown is None:
            document.tax_breakdown = []
        return
    changed = _changes(document)
    if "updated_at" in changed:
        return
    if changed - _TEXT_FIELDS:
        document.updated_at = utcnow()
    else:
        flag_modified(document, "updated_at")
