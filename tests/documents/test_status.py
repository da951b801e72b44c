"""Status follows the money; overdue invoices are found by the scheduled job."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura.config import Settings
from faktura.db.session import Database
from faktura.documents.jobs import MARK_OVERDUE
from faktura.documents.models import Document
from faktura.documents.status import recalculated_invoice_status
from tests.accounts.factories import ApiClient
from tests.customers.factories import events
from tests.documents.factories import create_document
from tests.jobs.helpers import run_kind_now

D = Decimal


@pytest.fixture
def clock(clock: list[datetime]) -> list[datetime]:
    """The suite's clock, started on the day these tests' invoices are issued."""
    clock[0] = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    return clock


def _invoice(status: str, total: str, paid: str, due_date: date | None) -> Document:
    document = Document(
        status=status,
        total=D(total),
        amount_paid=D(paid),
        amount_credited=D(0),
        external_payment_amount=D(0),
        due_date=due_date,
    )
    document.amount_due = document.total - document.amount_paid
    return document


@given(
    total=st.integers(1, 10**6),
    paid_share=st.integers(0, 100),
    status=st.sampled_from(
        [
            "pending",
            "overdue",
            "partial",
            "paid",
            "draft",
            "cancelled",
            "in_dispute",
            "in_payment_plan",
        ]
    ),
    days_to_due=st.integers(-60, 60),
)
def test_status_follows_amount_due(
    total: int,
    paid_share: int,
    status: str,
    days_to_due: int,
) -> None:
    today = date(2026, 11, 23)
    due_date = date.fromordinal(today.toordinal() + days_to_due)
    paid = D(total * paid_share) / 100
    invoice = _invoice(status, str(total), str(paid), due_date)

    result = recalculated_invoice_status(invoice, today)

    if status in ("draft", "cancelled", "in_dispute", "in_payment_plan"):
        assert result == status
    elif paid == total:
        assert result == "paid"
    elif paid > 0:
        assert result == "partial"
    elif days_to_due < 0:
        assert result == "overdue"
    else:
        assert result == "pending"


async def test_job_moves_pending_invoices_past_due_to_overdue(
    api: ApiClient,
    db: Database,
    settings: Settings,
    clock: list[datetime],
) -> None:
    due_today = await create_document(api, issue_date="2026-11-01", due_date="2026-11-23")
    due_later = await create_document(api, issue_date="2026-11-01", due_date="2026-12-31")
    assert due_today["status"] == "pending"

    await run_kind_now(db, settings, MARK_OVERDUE.name)
    assert (await api.get(f"/v1/invoices/{due_today['id']}")).json()["status"] == "pending"
    clock[0] = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)  # already the 24th in Jerusalem
    moved = await run_kind_now(db, settings, MARK_OVERDUE.name)
    await run_kind_now(db, settings, MARK_OVERDUE.name)  # a second finds nothing more here

    assert moved["invoices_marked_overdue"] >= 1
    assert (await api.get(f"/v1/invoices/{due_today['id']}")).json()["status"] == "overdue"
    assert (await api.get(f"/v1/invoices/{due_later['id']}")).json()["status"] == "pending"
    overdue_events = await events(api, "invoice.overdue")
    assert [e["object_id"] for e in overdue_events] == [due_today["id"]]
    assert overdue_events[0]["data"]["object"]["status"] == "overdue"


async def test_draft_and_cancelled_invoices_are_never_marked_overdue(
    api: ApiClient,
    db: Database,
    settings: Settings,
    clock: list[datetime],
) -> None:
    draft = await create_document(
        api, status="draft", issue_date="2026-11-01", due_date="2026-11-02"
    )
    cancelled = await create_document(api, issue_date="2026-11-01", due_date="2026-11-30")
    await api.post(f"/v1/invoices/{cancelled['id']}/cancel")
    clock[0] = datetime(2027, 1, 1, tzinfo=UTC)

    await run_kind_now(db, settings, MARK_OVERDUE.name)

    assert (await api.get(f"/v1/invoices/{draft['id']}")).json()["status"] == "draft"
    assert (await api.get(f"/v1/invoices/{cancelled['id']}")).json()["status"] == "cancelled"
