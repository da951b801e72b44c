"""Document statuses: what each type may be in, how money sets it, and guarded transitions."""

from datetime import date
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from faktura.core.clock import utcnow
from faktura.core.errors import InvalidState
from faktura.documents.models import Document
from faktura.documents.output import mark_changed

STATUSES: dict[str, tuple[str, ...]] = {
    "invoice": (
        "draft",
        "pending",
        "overdue",
        "partial",
        "paid",
        "in_payment_plan",
        "in_dispute",
        "cancelled",
    ),
    "quote": ("draft", "pending", "accepted", "declined", "converted", "cancelled"),
    "credit_note": ("draft", "issued"),
    "receipt": ("draft", "issued", "cancelled"),
}
ALL_STATUSES = tuple(sorted({s for statuses in STATUSES.values() for s in statuses}))
# Recalculation from the money never moves a document out of these.
TERMINAL = frozenset({"draft", "cancelled"})
HELD = frozenset({"in_dispute", "in_payment_plan"})
# Invoice statuses whose money is still recalculated.
OPEN_INVOICE = frozenset({"pending", "overdue", "partial", "paid"})


def amount_due(document: Document) -> Decimal:
    return (
        document.total
        - document.amount_paid
        - document.amount_credited
        - document.external_payment_amount
    )


def recalculated_invoice_status(document: Document, today: date) -> str:
    """API.md: after every change to the money, the status follows amount_due."""
    if document.status in TERMINAL or document.status in HELD:
        return document.status
    return status_from_money(document, today)


def status_from_money(document: Document, today: date) -> str:
    """The status the money alone gives: used to recalculate, and to release a hold."""
    due = document.amount_due
    if due <= 0:
        return "paid"
    if due < document.total:
        return "partial"
    if document.due_date is not None and document.due_date < today:
        return "overdue"
    return "pending"


def check_move(document: Document, to_status: str, *, allowed_from: frozenset[str]) -> None:
    """Refuse a transition from a status not in `allowed_from`. A caller that holds the row —
    locked, or created in its own transaction — then sets the status itself."""
    if document.status not in allowed_from:
        raise InvalidState(
            f"A {document.type.replace('_', ' ')} in status '{document.status}' cannot become "
            f"'{to_status}'"
        )


async def move(
    session: AsyncSession,
    document: Document,
    to_status: str,
    *,
    allowed_from: frozenset[str],
) -> None:
    """The one way a status changes: checked, and guarded in SQL against a concurrent change."""
    check_move(document, to_status, allowed_from=allowed_from)
    if document.status == to_status:
        return
    now = utcnow()
    result = await session.execute(
        update(Document)
        .where(Document.id == document.id, Document.status == document.status)
        .values(status=to_status, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidState("The document changed meanwhile; retry")
    set_committed_value(document, "status", to_status)
    set_committed_value(document, "updated_at", now)
    mark_changed(session.sync_session, document)
