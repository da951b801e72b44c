"""Disputes and payment plans: holds on an invoice's status until they end."""

import calendar
import uuid
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.core.clock import utcnow
from faktura.core.errors import InvalidState, NotFound, ValidationFailed
from faktura.core.money import check_minor_units, currency_exponent
from faktura.core.tenant import Tenant
from faktura.db.pagination import Page, PageParams, paginate, tenant_rows
from faktura.documents import service as documents_service
from faktura.documents.models import Document
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
    invoice = await documents_service.hold_invoice(
        session, tenant, data.invoice_id, "in_dispute", field="invoice_id"
    )
    amount = data.amount if data.amount is not None else invoice.amount_due
    check_minor_units(amount, invoice.currency, "amount")
    if amount > invoice.amount_due:
        raise ValidationFailed.on_field(
            "amount", f"{amount} is more than the invoice has due ({invoice.amount_due})"
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
    if dispute.status != "open":
        raise InvalidState(f"This dispute is already {dispute.status}")
    invoice = await documents_service.release_invoice(
        session, tenant, dispute.invoice_id, "in_dispute"
    )
    if data.outcome == "upheld":
        amount = min(dispute.amount, invoice.amount_due)
        if amount > 0:
            credit = await documents_service.credit_invoice(
                session, tenant, invoice, amount, f"Dispute upheld: {dispute.reason}"[:500]
            )
            dispute.credit_note_id = credit.id
    dispute.status = data.outcome
    if data.notes is not None:
        dispute.notes = data.notes
    dispute.resolved_at = utcnow()
    dispute.updated_at = utcnow()
    await _record_dispute(session, tenant, dispute, invoice.currency, "dispute.resolved")
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
    invoice = await documents_service.hold_invoice(
        session, tenant, data.invoice_id, "in_payment_plan", field="invoice_id"
    )
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
                "installments", f"add up to {total}, not to the invoice's amount_due {due}"
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
    if plan.status != "active":
        raise InvalidState(f"This payment plan is already {plan.status}")
    invoice = await documents_service.release_invoice(
        session, tenant, plan.invoice_id, "in_payment_plan"
    )
    plan.status = "cancelled"
    plan.ended_at = utcnow()
    await _record_plan(session, tenant, plan, invoice.currency, "payment_plan.cancelled")
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
        await documents_service.release_invoice(session, tenant, invoice.id, "in_payment_plan")
        plan.status = "completed"
        plan.ended_at = utcnow()
        await _record_plan(session, tenant, plan, invoice.currency, "payment_plan.completed")


async def plan_currency(session: AsyncSession, tenant: Tenant, plan: PaymentPlan) -> str:
    return await _currency_of(session, tenant, plan.invoice_id)


async def dispute_currency(session: AsyncSession, tenant: Tenant, dispute: Dispute) -> str:
    return await _currency_of(session, tenant, dispute.invoice_id)
