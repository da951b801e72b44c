"""Document statuses: what each type may be in, which moves are allowed, how money sets the
status of an invoice, and `transition`, the one way a status changes.

Every move is checked against `TRANSITIONS`, written to the database guarded against a
concurrent move (`UPDATE … WHERE id = :id AND status = :expected`: no row → conflict) and
announced by the events the caller names, in the same transaction.
"""

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from faktura.core.clock import utcnow
from faktura.core.errors import Conflict, InvalidState
from faktura.core.tenant import Tenant
from faktura.documents.models import Document
from faktura.documents.models import DocumentStatus as DocumentStatus
from faktura.documents.models import DocumentType as DocumentType
from faktura.documents.output import document_out
from faktura.documents.stored_text import mark_changed
from faktura.events.service import record_event

# The statuses the money alone gives an issued invoice; recalculation moves it among them.
FROM_MONEY = frozenset(
    {DocumentStatus.PENDING, DocumentStatus.OVERDUE, DocumentStatus.PARTIAL, DocumentStatus.PAID}
)
HELD = frozenset({DocumentStatus.IN_DISPUTE, DocumentStatus.IN_PAYMENT_PLAN})
# Recalculation from the money never moves a document out of these.
TERMINAL = frozenset({DocumentStatus.DRAFT, DocumentStatus.CANCELLED})
# Invoices that are still owed something: the receivables.
OPEN_STATUSES = (
    DocumentStatus.PENDING,
    DocumentStatus.OVERDUE,
    DocumentStatus.PARTIAL,
    DocumentStatus.IN_DISPUTE,
    DocumentStatus.IN_PAYMENT_PLAN,
)


def _invoice_moves() -> dict[DocumentStatus, frozenset[DocumentStatus]]:
    def among_money(status: DocumentStatus) -> frozenset[DocumentStatus]:
        return FROM_MONEY - {status}

    holds_or_cancel = HELD | {DocumentStatus.CANCELLED}
    return {
        DocumentStatus.DRAFT: FROM_MONEY,  # issued: the money says which
        DocumentStatus.PENDING: among_money(DocumentStatus.PENDING) | holds_or_cancel,
        DocumentStatus.OVERDUE: among_money(DocumentStatus.OVERDUE) | holds_or_cancel,
        DocumentStatus.PARTIAL: among_money(DocumentStatus.PARTIAL) | HELD,
        DocumentStatus.PAID: among_money(DocumentStatus.PAID),
        DocumentStatus.IN_PAYMENT_PLAN: FROM_MONEY,  # released: the money says which
        DocumentStatus.IN_DISPUTE: FROM_MONEY,
        DocumentStatus.CANCELLED: frozenset(),
    }


# From-status → the statuses a document of each type may move to. Its keys are the statuses
# each type may be in.
TRANSITIONS: dict[DocumentType, dict[DocumentStatus, frozenset[DocumentStatus]]] = {
    DocumentType.INVOICE: _invoice_moves(),
    DocumentType.QUOTE: {
        DocumentStatus.DRAFT: frozenset({DocumentStatus.PENDING}),
        DocumentStatus.PENDING: frozenset(
            {DocumentStatus.ACCEPTED, DocumentStatus.DECLINED, DocumentStatus.CANCELLED}
        ),
        DocumentStatus.ACCEPTED: frozenset({DocumentStatus.CONVERTED, DocumentStatus.CANCELLED}),
        DocumentStatus.DECLINED: frozenset({DocumentStatus.CANCELLED}),
        DocumentStatus.CONVERTED: frozenset(),
        DocumentStatus.CANCELLED: frozenset(),
    },
    DocumentType.CREDIT_NOTE: {
        DocumentStatus.DRAFT: frozenset({DocumentStatus.ISSUED}),
        DocumentStatus.ISSUED: frozenset(),
    },
    DocumentType.RECEIPT: {
        DocumentStatus.DRAFT: frozenset({DocumentStatus.ISSUED}),
        DocumentStatus.ISSUED: frozenset({DocumentStatus.CANCELLED}),
        DocumentStatus.CANCELLED: frozenset(),
    },
}
STATUSES: dict[DocumentType, tuple[DocumentStatus, ...]] = {
    doc_type: tuple(moves) for doc_type, moves in TRANSITIONS.items()
}
ALL_STATUSES = tuple(sorted({s for statuses in STATUSES.values() for s in statuses}))


def label(doc_type: str) -> str:
    """A type as messages name it: `credit_note` → `credit note`."""
    return doc_type.replace("_", " ")


def a(phrase: str) -> str:
    """The phrase with its indefinite article: `an invoice`, `a quote`, `an issued invoice`."""
    return f"{'an' if phrase[:1].lower() in 'aeiou' else 'a'} {phrase}"


def amount_due(document: Document) -> Decimal:
    return (
        document.total
        - document.amount_paid
        - document.amount_credited
        - document.external_payment_amount
    )


def recalculated_invoice_status(document: Document, today: date) -> DocumentStatus:
    """API.md: after every change to the money, the status follows amount_due."""
    if document.status in TERMINAL or document.status in HELD:
        return DocumentStatus(document.status)
    return status_from_money(document, today)


def status_from_money(document: Document, today: date) -> DocumentStatus:
    """The status the money alone gives: used to recalculate, to issue and to release a hold."""
    due = document.amount_due
    if due <= 0:
        return DocumentStatus.PAID
    if due < document.total:
        return DocumentStatus.PARTIAL
    if document.due_date is not None and document.due_date < today:
        return DocumentStatus.OVERDUE
    return DocumentStatus.PENDING


def refused(document: Document, to_status: str) -> InvalidState:
    return InvalidState(
        f"{a(label(document.type)).capitalize()} in status '{document.status}' "
        f"cannot become '{to_status}'"
    )


def check_transition(document: Document, to_status: str) -> None:
    allowed = TRANSITIONS[DocumentType(document.type)].get(
        DocumentStatus(document.status), frozenset()
    )
    if to_status not in allowed:
        raise refused(document, to_status)


async def record_document_event(
    session: AsyncSession, tenant: Tenant, document: Document, action: str
) -> None:
    """`{type}.{action}` with the document as it now is."""
    await record_event(
        session,
        tenant,
        f"{document.type}.{action}",
        document.type,
        document.id,
        {"object": document_out(document)},
    )


async def transition(
    session: AsyncSession,
    tenant: Tenant,
    document: Document,
    to_status: DocumentStatus,
    *,
    events: Sequence[str],
    changes: Mapping[str, Any] | None = None,
    inserted: bool = False,
) -> None:
    """Move `document` to `to_status`, with `changes` to other columns in the same write,
    then record `events` (each `{type}.{event}`, in order).

    Refused with InvalidState when the table does not allow the move, and with Conflict when
    the row's status changed meanwhile in another transaction (nothing is then written or
    recorded). A row `inserted` by this transaction is seen by no other: its move is set on
    the object and goes out with the next flush, as its insert did.
    """
    check_transition(document, to_status)
    now = utcnow()
    values = {"status": to_status, "updated_at": now, **(changes or {})}
    if inserted:
        for name, value in values.items():
            setattr(document, name, value)
    else:
        result = await session.execute(
            update(Document)
            .where(Document.id == document.id, Document.status == document.status)
            .values(values)
            # The object's other pending changes go later, with its text, in one write.
            .execution_options(synchronize_session=False, autoflush=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(f"This {label(document.type)} changed meanwhile; read it again")
        for name, value in values.items():
            if name != "updated_at":
                set_committed_value(document, name, value)
        # Also set as a change of the object: a flush that writes its other changes keeps this
        # updated_at instead of stamping another.
        document.updated_at = now
        mark_changed(session.sync_session, document)
    if events:
        await session.flush()
    for event in events:
        await record_document_event(session, tenant, document, event)
