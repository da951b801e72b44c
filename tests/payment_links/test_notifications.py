"""Provider notifications, delivered as providers deliver them: at least once, in any order.

Whatever the order and however often each notification comes, a provider payment that
succeeded is recorded as one Faktura payment, what the provider refunded of it is refunded in
Faktura once, and its status ends as the best outcome the provider reported. This is tested on
the pure rule (`notifications.apply`, with repeats of an event id skipped as the service skips
them) over many random histories, then through `service.apply_notification` against the
database, where the dedupe, the row lock and the payments domain take part.
"""

import uuid
from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st
from sqlalchemy import select

from faktura.config import Settings
from faktura.db.session import Database
from faktura.payment_links import service
from faktura.payment_links.models import PaymentLink, ProviderEvent, ProviderPayment
from faktura.payment_links.notifications import (
    Notification,
    NotificationType,
    PaymentState,
    PaymentStatus,
    apply,
)
from tests.accounts.factories import ApiClient
from tests.documents.factories import exact
from tests.payment_links.factories import create_link
from tests.payments.factories import invoice_of

D = Decimal
AMOUNT = D("120.00")
START = PaymentState("pending", False, D(0), D(0))


@dataclass(frozen=True)
class History:
    """One provider payment's notifications as the provider sent them (type, and the refunded
    total on `refunded`), and the order they arrive in: indices into `sent`, with repeats."""

    sent: tuple[tuple[NotificationType, Decimal | None], ...]
    delivered: tuple[int, ...]

    @property
    def succeeded(self) -> bool:
        return any(kind == "succeeded" for kind, _ in self.sent)

    @property
    def refunded(self) -> Decimal:
        return max((total for _, total in self.sent if total is not None), default=D(0))

    @property
    def status(self) -> PaymentStatus:
        if self.succeeded:
            return "succeeded"
        return "failed" if any(kind == "failed" for kind, _ in self.sent) else "pending"

    def deliveries(self, payment_id: str) -> list[Notification]:
        sent = [
            Notification(
                provider_event_id=f"{payment_id}_ev{index}",
                provider_payment_id=payment_id,
                type=kind,
                amount=None if kind == "refunded" else AMOUNT,
                installments=None if kind == "refunded" else 1,
                amount_refunded=total,
                failure_code="card_declined" if kind == "failed" else None,
                failure_message="Your card was declined." if kind == "failed" else None,
            )
            for index, (kind, total) in enumerate(self.sent)
        ]
        return [sent[index] for index in self.delivered]


@st.composite
def histories(draw: st.DrawFn) -> History:
    sent: list[tuple[NotificationType, Decimal | None]] = []
    if draw(st.booleans()):
        sent.append(("pending", None))
    if draw(st.booleans()):
        sent.append(("failed", None))
    if draw(st.booleans()):
        sent.append(("succeeded", None))
        cents = draw(st.lists(st.integers(1, 12000), max_size=3, unique=True))
        sent.extend(("refunded", D(total).scaleb(-2)) for total in sorted(cents))
    copies = draw(st.lists(st.integers(1, 3), min_size=len(sent), max_size=len(sent)))
    delivered = draw(st.permutations([i for i, n in enumerate(copies) for _ in range(n)]))
    return History(tuple(sent), tuple(delivered))


@examples(max_examples=1000, deadline=None)
@given(history=histories())
def test_any_delivery_order_records_once_and_refunds_what_the_provider_refunded(
    history: History,
) -> None:
    state = START
    seen: set[str] = set()
    recorded = 0
    refunds: list[Decimal] = []
    for notification in history.deliveries("tp_pure"):
        if notification.provider_event_id in seen:
            continue
        seen.add(notification.provider_event_id)
        outcome = apply(state, notification)
        recorded += outcome.record_payment
        refunds.append(outcome.refund)
        state = outcome.state

    assert recorded == (1 if history.succeeded else 0)
    assert sum(refunds, D(0)) == history.refunded
    assert all(refund >= 0 for refund in refunds)
    assert state == PaymentState(
        history.status, history.succeeded, history.refunded, history.refunded
    )


async def _pending_attempt(db: Database, link_id: str) -> str:
    """A pending provider payment for the link, as `pay` leaves one; its provider id."""
    provider_payment_id = f"tp_{uuid.uuid4().hex}"
    async with db.transaction() as session:
        link = await session.get(PaymentLink, uuid.UUID(link_id))
        assert link is not None
        session.add(
            ProviderPayment(
                account_id=link.account_id,
                livemode=link.livemode,
                link_id=link.id,
                provider="test",
                provider_payment_id=provider_payment_id,
                status="pending",
                amount=link.amount,
                currency=link.currency,
                installments=1,
                amount_refunded=D(0),
                provider_data={},
            )
        )
    return provider_payment_id


async def _attempt(db: Database, provider_payment_id: str) -> ProviderPayment:
    async with db.transaction(writes=False) as session:
        attempt = await service.attempt_by_provider_id(session, "test", provider_payment_id)
    assert attempt is not None
    return attempt


@examples(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories())
async def test_notifications_through_the_database_record_one_payment_and_its_refunds(
    api: ApiClient, db: Database, settings: Settings, history: History
) -> None:
    invoice = await invoice_of(api, "120.00")
    link = await create_link(api, document_id=invoice["id"])
    assert (link["amount"], link["livemode"]) == (AMOUNT, False)
    provider_payment_id = await _pending_attempt(db, link["id"])

    for notification in history.deliveries(provider_payment_id):
        async with db.transaction() as session:
            await service.apply_notification(session, settings, "test", notification)

    payments = exact(await api.get(f"/v1/payments?customer_id={invoice['customer_id']}"))["data"]
    paid = AMOUNT if history.succeeded else D(0)
    if history.succeeded:
        [payment] = payments
        assert (payment["external_payment_id"], payment["amount"]) == (
            f"test:{provider_payment_id}",
            AMOUNT,
        )
        assert payment["amount_refunded"] == history.refunded
    else:
        assert payments == []
    shown = exact(await api.get(f"/v1/invoices/{invoice['id']}"))
    assert shown["amount_due"] == AMOUNT - (paid - history.refunded)
    attempt = await _attempt(db, provider_payment_id)
    assert (attempt.status, attempt.amount_refunded) == (history.status, history.refunded)
    assert (attempt.payment_id is not None) == history.succeeded


async def test_a_notification_for_an_unknown_payment_is_refused_and_writes_nothing(
    db: Database, settings: Settings
) -> None:
    event_id = f"tpev_{uuid.uuid4().hex}"
    notification = Notification(
        provider_event_id=event_id,
        provider_payment_id=f"tp_{uuid.uuid4().hex}",
        type="succeeded",
        amount=AMOUNT,
        installments=1,
    )

    with pytest.raises(service.UnknownProviderPayment):
        async with db.transaction() as session:
            await service.apply_notification(session, settings, "test", notification)

    async with db.transaction(writes=False) as session:
        found = await session.execute(
            select(ProviderEvent.id).where(ProviderEvent.provider_event_id == event_id)
        )
        assert found.all() == []
