"""Disputes and payment plans: holds on an invoice's status until they end."""

import calendar
import uuid
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from faktura.core.clock import utcnow
from faktura.core.errors import Conflict, InvalidState, NotFound, ValidationFailed
from faktura.core.money import check_minor_units, currency_exponent, money_text
from faktura.core.tenant import Tenant
from faktura.db.pagination import Page, PageParams, paginate, tenant_rows
from faktura.documents import service as documents_service
from faktura.documents.balance import NoSuchInvoice
from faktura.documents.models import Document
from faktura.documents.status import DocumentStatus
from faktura.events.service import record_event
from faktura.receivables.models import Dispute, PaymentPlan
from faktura.receivables.schemas import (
    DisputeCreate,
    DisputeResolve,
    PaymentPlanCreate,
    dispute_out,
    plan_out,
)

ZERO = Decimal(0)


async def _hold(
    session: AsyncSession, tenant: Tenant, invoice_id: uuid.UUID, hold: DocumentStatus
) -> Document:
    try:
        return await documents_service.hold_invoice(session, tenant, invoice_id, hold)
    except NoSuchInvoice as exc:
        raise NotFound(f"invoice_id: {exc.message}") from exc


# Statuses: the moves each allows, and `_transition`, the one way either changes.

DISPUTE_MOVES: dict[str, frozenset[str]] = {
    "open": frozenset({"upheld", "rejected"}),
    "upheld": frozenset(),
    "rejected": frozenset(),
}
PLAN_MOVES: dict[str, frozenset[str]] = {
    "active": frozenset({"completed", "cancelled"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
}


def _noun(row: Dispute | PaymentPlan) -> str:
    return "dispute" if isinstance(row, Dispute) else "payment plan"


def _check_move(row: Dispute | PaymentPlan, to_status: str) -> None:
    moves = DISPUTE_MOVES if isinstance(row, Dispute) else PLAN_MOVES
    if to_status not in moves.get(row.status, frozenset()):
        raise InvalidState(f"This {_noun(row)} is already {row.status}")


async def _transition(
    session: AsyncSession,
    tenant: Tenant,
    row: Dispute | PaymentPlan,
    to_status: str,
    *,
    currency: str,
    event: str,
    changes: dict[str, Any] | None = None,
) -> None:
    """Move a dispute or plan to `to_status` (with `changes` in the same write), guarded in SQL
    against a concurrent move (no row in the expected status → Conflict), then record `event`."""
    _check_move(row, to_status)
    model = type(row)
    now = utcnow()
    values = {"status": to_status, **(changes or {})}
    result = await session.execute(
        update(model)
        .where(model.id == row.id, model.status == row.status)
        .values(**values, updated_at=now)
        # The row's other pending changes go with the flush before the event.
        .execution_options(synchronize_session=False, autoflush=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"This {_noun(row)} changed meanwhile; read it again")
    for name, value in values.items():
        set_committed_value(row, name, value)
    row.updated_at = now
    if isinstance(row, Dispute):
        await _record_dispute(session, tenant, row, currency, event)
    else:
        await _record_plan(session, tenant, row, currency, event)


# Disputes


async def _currency_of(session: AsyncSession, tenant: Tenant, invoice_id: uuid.UUID) -> str:
    invoice = await documents_service.get_document(session, tenant, invoice_id, "invoice")
    return invoice.currency


async def _record_dispute(
    session: AsyncSession, tenant: Tenant, dispute: Dispute, currency: str, event: str
) -> None:
    await session.flush()
    await record_event(
        session,
        tenant,
        event,
        "dispute",
        dispute.id,
        {"object": dispute_out(dispute, currency).model_dump(mode="python")},
    )


def _scoped(model: Any, tenant: Tenant) -> Select[Any]:
    return select(model).where(tenant_rows(model, tenant))


async def open_dispute(session: AsyncSession, tenant: Tenant, data: DisputeCreate) -> Dispute:
    invoice = await _hold(session, tenant, data.invoice_id, DocumentStatus.IN_DISPUTE)
    amount = data.amount if data.amount is not None else invoice.amount_due
    check_minor_units(amount, invoice.currency, "amount")
    if amount > invoice.amount_due:
        raise ValidationFailed.on_field(
            "amount",
            f"{money_text(amount, invoice.currency)} is more than the invoice has due "
            f"({money_text(invoice.amount_due, invoice.currency)})",
        )
    dispute = Dispute(
        account_id=tenant.account_id,
        livemode=tenant.livemode,
        invoice_id=invoice.id,
        amount=amount,
        reason=data.reason,
        notes=data.notes,
        status="open",
    )
    session.add(dispute)
    await _record_dispute(session, tenant, dispute, invoice.currency, "dispute.created")
    return dispute


async def get_dispute(
    session: AsyncSession, tenant: Tenant, dispute_id: uuid.UUID, *, for_update: bool = False
) -> Dispute:
    statement = _scoped(Dispute, tenant).where(Dispute.id == dispute_id)
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    dispute: Dispute | None = (await session.execute(statement)).scalar_one_or_none()
    if dispute is None:
        raise NotFound("Dispute not found")
    return dispute


async def list_disputes(
    session: AsyncSession,
    tenant: Tenant,
    params: PageParams,
    *,
    invoice_id: uuid.UUID | None,
    status: str | None,
) -> Page[Dispute]:
    statement = _scoped(Dispute, tenant)
    if invoice_id is not None:
        statement = statement.where(Dispute.invoice_id == invoice_id)
    if status is not None:
        statement = statement.where(Dispute.status == status)
    return await paginate(session, statement, Dispute.id, params)


async def resolve_dispute(
    session: AsyncSession, tenant: Tenant, dispute_id: uuid.UUID, data: DisputeResolve
) -> tuple[Dispute, str]:
    dispute = await get_dispute(session, tenant, dispute_id, for_update=True)
    _check_move(dispute, data.outcome)
    invoice = await documents_service.release_invoice(
        session, tenant, dispute.invoice_id, DocumentStatus.IN_DISPUTE
    )
    if data.outcome == "upheld":
        amount = min(dispute.amount, invoice.amount_due)
        if amount > 0:
            credit = await documents_service.credit_invoice(
                session, tenant, invoice, amount, f"Dispute upheld: {dispute.reason}"[:500]
            )
            dispute.credit_note_id = credit.id
    if data.notes is not None:
        dispute.notes = data.notes
    await _transition(
        session,
        tenant,
        dispute,
        data.outcome,
        currency=invoice.currency,
        event="dispute.resolved",
        changes={"resolved_at": utcnow()},
    )
    return dispute, invoice.currency


# Payment plans


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _generated(
    total: Decimal, currency: str, count: int, interval: str, first: date
) -> list[dict[str, Any]]:
    unit = Decimal(1).scaleb(-currency_exponent(currency))
    share = (total / count).quantize(unit, rounding=ROUND_DOWN)
    amounts = [share] * (count - 1) + [total - share * (count - 1)]
    dates = [
        first + timedelta(weeks=k) if interval == "week" else _add_months(first, k)
        for k in range(count)
    ]
    return [
        {"due_date": d.isoformat(), "amount": str(a)} for d, a in zip(dates, amounts, strict=True)
    ]


async def _record_plan(
    session: AsyncSession, tenant: Tenant, plan: PaymentPlan, currency: str, event: str
) -> None:
    await session.flush()
    out = plan_out(plan, currency, utcnow().date())
    await record_event(
        session, tenant, event, "payment_plan", plan.id, {"object": out.model_dump(mode="python")}
    )


async def enroll_plan(
    session: AsyncSession, tenant: Tenant, data: PaymentPlanCreate, today: date
) -> PaymentPlan:
    invoice = await _hold(session, tenant, data.invoice_id, DocumentStatus.IN_PAYMENT_PLAN)
    due = invoice.amount_due
    if data.installments is not None:
        dates = [i.due_date for i in data.installments]
        if dates != sorted(dates):
            raise ValidationFailed.on_field("installments", "must be in date order")
        for index, installment in enumerate(data.installments):
            check_minor_units(installment.amount, invoice.currency, f"installments[{index}].amount")
        total = sum((i.amount for i in data.installments), ZERO)
        if total != due:
            raise ValidationFailed.on_field(
                "installments",
                f"add up to {money_text(total, invoice.currency)}, not to the invoice's "
                f"amount_due {money_text(due, invoice.currency)}",
            )
        installments = [
            {"due_date": i.due_date.isoformat(), "amount": str(i.amount)} for i in data.installments
        ]
    else:
        assert data.count is not None
        assert data.interval is not None
        if due < Decimal(data.count) * Decimal(1).scaleb(-currency_exponent(invoice.currency)):
            raise ValidationFailed.on_field("count", "more installments than minor units due")
        try:
            installments = _generated(
                due, invoice.currency, data.count, data.interval, data.first_due_date or today
            )
        except (ValueError, OverflowError) as exc:
            raise ValidationFailed.on_field(
                "first_due_date", "the installments would fall beyond the year 9999"
            ) from exc
    plan = PaymentPlan(
        account_id=tenant.account_id,
        livemode=tenant.livemode,
        invoice_id=invoice.id,
        status="active",
        amount=due,
        start_amount_due=due,
        amount_paid=ZERO,
        installments=installments,
        first_due_date=date.fromisoformat(installments[0]["due_date"]),
    )
    session.add(plan)
    await _record_plan(session, tenant, plan, invoice.currency, "payment_plan.enrolled")
    return plan


async def get_plan(
    session: AsyncSession, tenant: Tenant, plan_id: uuid.UUID, *, for_update: bool = False
) -> PaymentPlan:
    statement = _scoped(PaymentPlan, tenant).where(PaymentPlan.id == plan_id)
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    plan: PaymentPlan | None = (await session.execute(statement)).scalar_one_or_none()
    if plan is None:
        raise NotFound("Payment plan not found")
    return plan


async def list_plans(
    session: AsyncSession,
    tenant: Tenant,
    params: PageParams,
    *,
    invoice_id: uuid.UUID | None,
    status: str | None,
) -> Page[PaymentPlan]:
    statement = _scoped(PaymentPlan, tenant)
    if invoice_id is not None:
        statement = statement.where(PaymentPlan.invoice_id == invoice_id)
    if status is not None:
        statement = statement.where(PaymentPlan.status == status)
    return await paginate(session, statement, PaymentPlan.id, params)


async def cancel_plan(session: AsyncSession, tenant: Tenant, plan_id: uuid.UUID) -> PaymentPlan:
    # Lock order is invoice, then plan — the order payments take them in.
    unlocked = await get_plan(session, tenant, plan_id)
    await documents_service.lock_invoices(session, tenant, [unlocked.invoice_id])
    plan = await get_plan(session, tenant, plan_id, for_update=True)
    _check_move(plan, "cancelled")
    invoice = await documents_service.release_invoice(
        session, tenant, plan.invoice_id, DocumentStatus.IN_PAYMENT_PLAN
    )
    await _transition(
        session,
        tenant,
        plan,
        "cancelled",
        currency=invoice.currency,
        event="payment_plan.cancelled",
        changes={"ended_at": utcnow()},
    )
    return plan


async def after_invoice_payment(session: AsyncSession, tenant: Tenant, invoice: Document) -> None:
    """Keep an active plan in step with its invoice; a paid-off invoice completes it."""
    plan = (
        await session.execute(
            _scoped(PaymentPlan, tenant)
            .where(PaymentPlan.invoice_id == invoice.id, PaymentPlan.status == "active")
            .with_for_update()
        )
    ).scalar_one_or_none()
    if plan is None:
        return
    plan.amount_paid = max(ZERO, plan.start_amount_due - invoice.amount_due)
    plan.updated_at = utcnow()
    if invoice.amount_due <= 0:
        await documents_service.release_invoice(
            session, tenant, invoice.id, DocumentStatus.IN_PAYMENT_PLAN
        )
        await _transition(
            session,
            tenant,
            plan,
            "completed",
            currency=invoice.currency,
            event="payment_plan.completed",
            changes={"ended_at": utcnow()},
        )


async def plan_currency(session: AsyncSession, tenant: Tenant, plan: PaymentPlan) -> str:
    return await _currency_of(session, tenant, plan.invoice_id)


async def dispute_currency(session: AsyncSession, tenant: Tenant, dispute: Dispute) -> str:
    return await _currency_of(session, tenant, dispute.invoice_id)
