"""The document as the API shows it: `document_out`, for responses, events and the stored
text (`stored_text.py`).
"""

import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row

from faktura.core.jsoncodec import format_datetime
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


PATHS = {
    "invoice": "invoices",
    "quote": "quotes",
    "credit_note": "credit_notes",
    "receipt": "receipts",
}


def _pdf_out(document: Document | Row[Any]) -> dict[str, Any] | None:
    """The PDF of an issued document (pdfs/): pending until the archive job ran."""
    if document.number is None:
        return None
    return {
        "status": document.pdf_status or "pending",
        "source": document.pdf_source,
        "url": f"/v1/{PATHS[document.type]}/{document.id}/pdf",
        "sha256": document.pdf_sha256,
        "size": document.pdf_size,
        "generated_at": _text(document.pdf_generated_at),
    }


CLEARANCE_FIELDS = (
    "provider",
    "environment",
    "status",
    "reference",
    "qr_url",
    "submitted_at",
    "cleared_at",
    "cancellation_reference",
    "errors",
)


def _clearance_out(clearance: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the tax authority made of the document (clearance/), as stored by it."""
    if clearance is None:
        return None
    return {field: clearance.get(field) for field in CLEARANCE_FIELDS} | {
        "errors": clearance.get("errors") or []
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
        "tax_rate": _figure(document.tax_rate),
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
        "buyer_reference": document.buyer_reference,
        "purchase_order": document.purchase_order,
        "biller_id": document.biller_id,
        "payment_method_id": document.payment_method_id,
        "source_type": document.source_type,
        "related_document_id": _text(document.related_document_id),
        "finalized_at": _text(document.finalized_at),
        "sent_at": _text(document.sent_at),
        "cancelled_at": _text(document.cancelled_at),
        "cancellation_reason": document.cancellation_reason,
        "locale": document.locale,
        "pdf": _pdf_out(document),
        "clearance": _clearance_out(document.clearance),
        "livemode": document.livemode,
        "created_at": format_datetime(document.created_at),
        "updated_at": format_datetime(document.updated_at),
    }
