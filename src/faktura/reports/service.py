"""What is owed: balance and aging, computed by SQL aggregates over the invoices."""

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.core.errors import ValidationFailed
from faktura.core.money import display_amount
from faktura.core.tenant import Tenant
from faktura.documents.models import Document
from faktura.documents.status import OPEN_STATUSES, DocumentType
from faktura.payments.models import Payment

BUCKETS = ("current", "1_30", "31_60", "61_90", "90_plus")
ZERO = Decimal(0)


def _open_invoices(tenant: Tenant, customer_id: uuid.UUID | None) -> list[ColumnElement[bool]]:
    conditions = [
        Document.account_id == tenant.account_id,
        Document.livemode == tenant.livemode,
        Document.type == DocumentType.INVOICE,
        Document.status.in_(OPEN_STATUSES),
    ]
    if customer_id is not None:
        conditions.append(Document.customer_id == customer_id)
    return conditions


def _sum_if(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, Document.amount_due), else_=ZERO)), ZERO)


async def balance(
    session: AsyncSession,
    tenant: Tenant,
    as_of: date,
    customer_id: uuid.UUID | None,
) -> list[dict[str, Any]]:
    """Per currency: outstanding, overdue (due before as_of) and unapplied customer credit."""
    owed = (
        await session.execute(
            select(
                Document.currency,
                func.sum(Document.amount_due),
                _sum_if(Document.due_date < as_of),
                func.count(),
            )
            .where(*_open_invoices(tenant, customer_id))
            .group_by(Document.currency)
        )
    ).all()
    credit_filter = [
        Payment.account_id == tenant.account_id,
        Payment.livemode == tenant.livemode,
        Payment.unapplied_amount > 0,
    ]
    if customer_id is not None:
        credit_filter.append(Payment.customer_id == customer_id)
    credit = dict(
        (
            await session.execute(
                select(Payment.currency, func.sum(Payment.unapplied_amount))
                .where(*credit_filter)
                .group_by(Payment.currency)
            )
        ).all()
    )
    rows = {
        currency: (outstanding, overdue, count) for currency, outstanding, overdue, count in owed
    }
    result = []
    for currency in sorted(set(rows) | set(credit)):
        outstanding, overdue, count = rows.get(currency, (ZERO, ZERO, 0))
        result.append(
            {
                "currency": currency,
                "outstanding": display_amount(outstanding, currency),
                "overdue": display_amount(overdue, currency),
                "unapplied_credit": display_amount(credit.get(currency, ZERO), currency),
                "open_invoices": count,
            }
        )
    return result


async def aging(
    session: AsyncSession,
    tenant: Tenant,
    as_of: date,
    customer_id: uuid.UUID | None,
) -> list[dict[str, Any]]:
    """Per currency and customer: amount due by days past due on as_of."""
    due = Document.due_date
    try:
        limits = [as_of - timedelta(days=days) for days in (30, 60, 90)]
    except OverflowError as exc:
        raise ValidationFailed.on_field("as_of", "must be after 0001-03-31") from exc
    bucket_sums = [
        _sum_if(func.coalesce(due, as_of) >= as_of),
        _sum_if(and_(due < as_of, due >= limits[0])),
        _sum_if(and_(due < limits[0], due >= limits[1])),
        _sum_if(and_(due < limits[1], due >= limits[2])),
        _sum_if(due < limits[2]),
    ]
    rows = (
        await session.execute(
            select(
                Document.currency,
                Document.customer_id,
                func.min(Document.customer_name),
                func.sum(Document.amount_due),
                *bucket_sums,
            )
            .where(*_open_invoices(tenant, customer_id))
            .group_by(Document.currency, Document.customer_id)
            .order_by(Document.currency, Document.customer_id)
        )
    ).all()
    by_currency: dict[str, dict[str, Any]] = {}
    for currency, customer, name, total, *buckets in rows:
        entry = by_currency.setdefault(
            currency,
            {"currency": currency, "total": ZERO, **{b: ZERO for b in BUCKETS}, "customers": []},
        )
        entry["total"] += total
        for bucket, amount in zip(BUCKETS, buckets, strict=True):
            entry[bucket] += amount
        entry["customers"].append(
            {
                "customer_id": customer,
                "customer_name": name,
                "total": display_amount(total, currency),
                **{b: display_amount(a, currency) for b, a in zip(BUCKETS, buckets, strict=True)},
            }
        )
    for entry in by_currency.values():
        for key in ("total", *BUCKETS):
            entry[key] = display_amount(entry[key], entry["currency"])
    return list(by_currency.values())
