"""Payments: record, apply to invoices, match and unmatch, refund."""

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, and_, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from faktura.accounts import service as accounts_service
from faktura.accounts.models import Account
from faktura.core.clock import utcnow
from faktura.core.errors import Conflict, InvalidState, NotFound, ValidationFailed
from faktura.core.ids import uuid7
from faktura.core.money import check_minor_units, display_amount, money_text
from faktura.core.tenant import Tenant
from faktura.customers import service as customers_service
from faktura.db.pagination import Page, PageParams, paginate, tenant_rows
from faktura.documents import balance as documents_balance
from faktura.documents import service as documents_service
from faktura.documents.models import Document
from faktura.documents.schemas import DocumentCreate, LineItemIn
from faktura.events.service import record_event
from faktura.payments.models import Payment, PaymentAllocation, Refund, ReversedAllocationData
from faktura.payments.schemas import (
    BUILT_IN_METHODS,
    PaymentCreate,
    PaymentUpdate,
    RefundCreate,
    payment_out,
)
from faktura.receivables import service as receivables_service

ZERO = Decimal(0)


async def _record(session: AsyncSession, tenant: Tenant, payment: Payment, event: str) -> None:
    await session.flush()
    await record_event(
        session,
        tenant,
        event,
        "payment",
        payment.id,
        {"object": payment_out(payment).model_dump(mode="python")},
    )


def _check_method(account: Account, method: str) -> str:
    if method in BUILT_IN_METHODS:
        return method
    for option in account.payment_methods:
        if method in (option["id"], option["name"]):
            return str(option["id"])
    raise ValidationFailed.on_field(
        "payment_method",
        f"'{method}' is neither one of {', '.join(BUILT_IN_METHODS)} nor one "
        "of the account's payment_methods",
    )


def _payments(tenant: Tenant) -> Select[Payment]:
    return (
        select(Payment)
        .where(tenant_rows(Payment, tenant))
        .options(selectinload(Payment.allocations), selectinload(Payment.refunds))
    )


async def get_payment(
    session: AsyncSession,
    tenant: Tenant,
    payment_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> Payment:
    statement = _payments(tenant).where(Payment.id == payment_id)
    if for_update:
        # Locked rows are read afresh: an earlier read in this transaction may be stale.
        statement = statement.with_for_update().execution_options(populate_existing=True)
    payment = (await session.execute(statement)).scalar_one_or_none()
    if payment is None:
        raise NotFound("Payment not found")
    return payment


async def _apply_to_invoice(
    session: AsyncSession,
    tenant: Tenant,
    invoice_id: uuid.UUID,
    delta: Decimal,
    currency: str,
    field: str,
) -> Document:
    """The invoice's side of an allocation; its refusals name the request's `field` (an
    `…invoice_id`) or the amount beside it."""
    try:
        return await documents_balance.apply_payment(session, tenant, invoice_id, delta, currency)
    except documents_balance.NoSuchInvoice as exc:
        raise NotFound(f"{field}: {exc.message}") from exc
    except documents_balance.CurrencyMismatch as exc:
        raise ValidationFailed.on_field(field, exc.message) from exc
    except documents_balance.MoreThanDue as exc:
        raise ValidationFailed.on_field(field.replace("invoice_id", "amount"), exc.message) from exc


async def _allocate(
    session: AsyncSession,
    tenant: Tenant,
    payment: Payment,
    invoice_id: uuid.UUID,
    amount: Decimal,
    field: str,
) -> None:
    """Apply part of the payment's unapplied money to an invoice, both sides in step."""
    if amount > payment.unapplied_amount:
        raise ValidationFailed.on_field(
            field.replace("invoice_id", "amount"),
            f"{money_text(amount, payment.currency)} is more than the payment has unapplied "
            f"({money_text(payment.unapplied_amount, payment.currency)})",
        )
    check_minor_units(amount, payment.currency, field.replace("invoice_id", "amount"))
    invoice = await _apply_to_invoice(session, tenant, invoice_id, amount, payment.currency, field)
    await receivables_service.after_invoice_payment(session, tenant, invoice)
    if payment.customer_id is None:
        payment.customer_id = invoice.customer_id
    elif invoice.customer_id != payment.customer_id:
        raise ValidationFailed.on_field(field, "the invoice belongs to another customer")
    now = utcnow()
    existing = next((a for a in payment.allocations if a.invoice_id == invoice_id), None)
    if existing is None:
        payment.allocations.append(
            PaymentAllocation(invoice_id=invoice_id, amount=amount, created_at=now, updated_at=now)
        )
    else:
        existing.amount += amount
        existing.updated_at = now
    payment.unapplied_amount -= amount


async def _give_back(
    session: AsyncSession,
    tenant: Tenant,
    payment: Payment,
    allocation: PaymentAllocation,
    amount: Decimal,
    field: str,
) -> None:
    invoice = await _apply_to_invoice(
        session, tenant, allocation.invoice_id, -amount, payment.currency, field
    )
    await receivables_service.after_invoice_payment(session, tenant, invoice)
    allocation.amount -= amount
    allocation.updated_at = utcnow()


async def record_payment(session: AsyncSession, tenant: Tenant, data: PaymentCreate) -> Payment:
    account = await accounts_service.get_account(session, tenant.account_id)
    method = _check_method(account, data.payment_method)
    customer_id = None
    currency = data.currency
    if data.customer_id is not None:
        customer = await customers_service.get_customer(
            session, tenant, data.customer_id, related=False
        )
        customer_id = customer.id
        currency = currency or customer.currency
    plan: list[tuple[uuid.UUID, Decimal | None, str]] = []
    if data.invoice_id is not None:
        plan.append((data.invoice_id, None, "invoice_id"))
    for index, allocation in enumerate(data.allocations or []):
        plan.append((allocation.invoice_id, allocation.amount, f"allocations[{index}].invoice_id"))
    await documents_balance.lock_invoices(session, tenant, [entry[0] for entry in plan])
    if currency is None and plan:
        first = await documents_service.get_document(
            session, tenant, plan[0][0], "invoice", for_update=True
        )
        currency = first.currency
    currency = currency or account.default_currency
    check_minor_units(data.amount, currency, "amount")
    external_id = data.external_payment_id or f"pay_{uuid7().hex}"
    taken = (
        await session.execute(
            select(
                exists().where(
                    Payment.account_id == tenant.account_id,
                    Payment.livemode == tenant.livemode,
                    Payment.external_payment_id == external_id,
                )
            )
        )
    ).scalar()
    if taken:
        raise Conflict(f"A payment with external_payment_id '{external_id}' already exists")
    payment = Payment(
        account_id=tenant.account_id,
        livemode=tenant.livemode,
        amount=data.amount,
        currency=currency,
        payment_date=data.payment_date,
        payment_method=method,
        payer_name=data.payer_name,
        payer_reference=data.payer_reference,
        external_payment_id=external_id,
        customer_id=customer_id,
        customer_given=customer_id is not None,
        notes=data.notes,
        status="succeeded",
        reviewed=data.reviewed,
        installments=data.installments,
        amount_refunded=ZERO,
        unapplied_amount=data.amount,
        allocations=[],
        refunds=[],
    )
    try:
        async with session.begin_nested():
            session.add(payment)
            await session.flush()
    except IntegrityError as exc:  # the same id recorded by a concurrent request
        raise Conflict(
            f"A payment with external_payment_id '{external_id}' already exists"
        ) from exc
    for invoice_id, amount, field in plan:
        if amount is None:  # a single invoice_id: as much as it has due
            invoice = await documents_service.get_document(
                session, tenant, invoice_id, "invoice", for_update=True
            )
            amount = min(payment.unapplied_amount, invoice.amount_due)
            if amount <= 0:
                raise InvalidState(f"Invoice {invoice.number} has nothing due")
        await _allocate(session, tenant, payment, invoice_id, amount, field)
    if account.issue_receipts and payment.customer_id is not None:
        await _issue_receipt(session, tenant, payment)
    await _record(session, tenant, payment, "payment.created")
    if not plan:
        await _record(session, tenant, payment, "reconciliation.record_created")
    return payment


async def _issue_receipt(session: AsyncSession, tenant: Tenant, payment: Payment) -> None:
    """A numbered receipt naming the invoices the payment paid (and any credit left)."""
    lines = []
    for allocation in payment.allocations:
        invoice = await documents_service.get_document(session, tenant, allocation.invoice_id)
        lines.append(
            LineItemIn(
                description=f"Payment of invoice {invoice.number}",
                quantity=Decimal(1),
                unit_price=allocation.amount,
            )
        )
    if payment.unapplied_amount > 0:
        lines.append(
            LineItemIn(
                description="Credit on account",
                quantity=Decimal(1),
                unit_price=payment.unapplied_amount,
            )
        )
    assert payment.customer_id is not None
    receipt = await documents_service.create_document(
        session,
        tenant,
        "receipt",
        DocumentCreate(
            customer_id=payment.customer_id,
            currency=payment.currency,
            issue_date=payment.payment_date,
            line_items=lines,
            tax_amount=ZERO,
            notes=f"Payment {payment.external_payment_id} by {payment.payment_method}",
        ),
    )
    payment.receipt_id = receipt.id


@dataclass(frozen=True)
class PaymentFilters:
    matched: bool | None = None
    reviewed: bool | None = None
    customer_id: uuid.UUID | None = None
    invoice_id: uuid.UUID | None = None
    paid_from: date | None = None
    paid_to: date | None = None


async def list_payments(
    session: AsyncSession,
    tenant: Tenant,
    filters: PaymentFilters,
    params: PageParams,
) -> Page[Payment]:
    statement = _payments(tenant)
    applied = exists().where(
        PaymentAllocation.payment_id == Payment.id, PaymentAllocation.amount > 0
    )
    if filters.matched is not None:
        unmatched = and_(~applied, Payment.unapplied_amount > 0)
        statement = statement.where(applied if filters.matched else unmatched)
    if filters.reviewed is not None:
        statement = statement.where(Payment.reviewed == filters.reviewed)
    if filters.customer_id is not None:
        statement = statement.where(Payment.customer_id == filters.customer_id)
    if filters.invoice_id is not None:
        statement = statement.where(
            exists().where(
                PaymentAllocation.payment_id == Payment.id,
                PaymentAllocation.invoice_id == filters.invoice_id,
                PaymentAllocation.amount > 0,
            )
        )
    if filters.paid_from is not None:
        statement = statement.where(Payment.payment_date >= filters.paid_from)
    if filters.paid_to is not None:
        statement = statement.where(Payment.payment_date <= filters.paid_to)
    return await paginate(session, statement, Payment.id, params)


async def update_payment(
    session: AsyncSession,
    tenant: Tenant,
    payment_id: uuid.UUID,
    changes: PaymentUpdate,
) -> Payment:
    """Seed 003's reconciliation: match to an invoice, unmatch with null, mark reviewed."""
    payment = await get_payment(session, tenant, payment_id, for_update=True)
    given = changes.model_fields_set
    touched = [a.invoice_id for a in payment.allocations if a.amount > 0]
    if changes.invoice_id is not None:
        touched.append(changes.invoice_id)
    touched += [a.invoice_id for a in changes.allocations or []]
    await documents_balance.lock_invoices(session, tenant, touched)
    for name in ("payer_name", "payer_reference", "notes"):
        if name in given:
            setattr(payment, name, getattr(changes, name))
    if "reviewed" in given and changes.reviewed is not None:
        payment.reviewed = changes.reviewed
    events = ["reconciliation.record_updated"]
    if "invoice_id" in given:
        if changes.invoice_id is None:
            for allocation in payment.allocations:
                if allocation.amount > 0:
                    payment.unapplied_amount += allocation.amount
                    await _give_back(
                        session, tenant, payment, allocation, allocation.amount, "invoice_id"
                    )
            if payment.receipt_id is None and not payment.customer_given:
                payment.customer_id = None  # it came from the match being undone
        else:
            invoice = await documents_service.get_document(
                session, tenant, changes.invoice_id, "invoice"
            )
            amount = min(payment.unapplied_amount, invoice.amount_due)
            if amount <= 0:
                raise InvalidState(
                    "Nothing to match: the payment has no unapplied money or "
                    "the invoice has nothing due"
                )
            await _allocate(session, tenant, payment, changes.invoice_id, amount, "invoice_id")
            events.insert(0, "payment.matched")
    for index, allocation_in in enumerate(changes.allocations or []):
        await _allocate(
            session,
            tenant,
            payment,
            allocation_in.invoice_id,
            allocation_in.amount,
            f"allocations[{index}].invoice_id",
        )
        if "payment.matched" not in events:
            events.insert(0, "payment.matched")
    account = await accounts_service.get_account(session, tenant.account_id)
    live = any(a.amount > 0 for a in payment.allocations)
    if account.issue_receipts and live and payment.receipt_id is None:
        await _issue_receipt(session, tenant, payment)
    payment.updated_at = utcnow()
    for event in events:
        await _record(session, tenant, payment, event)
    return payment


async def refund_payment(
    session: AsyncSession,
    tenant: Tenant,
    payment_id: uuid.UUID,
    data: RefundCreate,
) -> Payment:
    payment = await get_payment(session, tenant, payment_id, for_update=True)
    await documents_balance.lock_invoices(
        session, tenant, [a.invoice_id for a in payment.allocations if a.amount > 0]
    )
    refundable = payment.amount - payment.amount_refunded
    if refundable <= 0:
        raise InvalidState("This payment is already refunded in full")
    chosen = next(
        (a for a in payment.allocations if a.invoice_id == data.invoice_id and a.amount > 0), None
    )
    if data.amount is not None:
        amount = data.amount
    elif chosen is not None:
        amount = chosen.amount  # refunding one invoice: by default all it received
    else:
        amount = refundable
    if amount > refundable:
        raise ValidationFailed.on_field(
            "amount",
            f"{money_text(amount, payment.currency)} is more than the "
            f"{money_text(refundable, payment.currency)} that can still be refunded",
        )
    check_minor_units(amount, payment.currency, "amount")
    left = amount
    reversed_allocations: list[ReversedAllocationData] = []
    if data.invoice_id is not None:
        allocation = next(
            (a for a in payment.allocations if a.invoice_id == data.invoice_id and a.amount > 0),
            None,
        )
        if allocation is None:
            raise NotFound(f"invoice_id: the payment is not applied to {data.invoice_id}")
        if amount > allocation.amount:
            raise ValidationFailed.on_field(
                "amount",
                f"the payment applied only {display_amount(allocation.amount, payment.currency)} "
                "to that invoice",
            )
        sources = [allocation]
    else:
        from_credit = min(left, payment.unapplied_amount)
        payment.unapplied_amount -= from_credit
        left -= from_credit
        sources = sorted(
            (a for a in payment.allocations if a.amount > 0),
            key=lambda a: (a.updated_at, a.id),
            reverse=True,
        )
    for allocation in sources:
        if left <= 0:
            break
        take = min(left, allocation.amount)
        await _give_back(session, tenant, payment, allocation, take, "invoice_id")
        reversed_allocations.append({"invoice_id": str(allocation.invoice_id), "amount": take})
        left -= take
    assert left == 0
    payment.refunds.append(
        Refund(
            amount=amount,
            reason=data.reason,
            reversed_allocations=reversed_allocations,
            created_at=utcnow(),
        )
    )
    payment.amount_refunded += amount
    payment.status = (
        "refunded" if payment.amount_refunded == payment.amount else ("partially_refunded")
    )
    payment.updated_at = utcnow()
    await _record(session, tenant, payment, "payment.refunded")
    return payment
