"""The questions other domains ask about payments (they import this, never the tables)."""

import uuid

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.core.tenant import Tenant
from faktura.payments.models import Payment


async def customer_has_payments(
    session: AsyncSession, tenant: Tenant, customer_id: uuid.UUID
) -> bool:
    """Whether a recorded payment names the customer: then the customer cannot be deleted."""
    statement = select(
        exists().where(
            Payment.account_id == tenant.account_id,
            Payment.livemode == tenant.livemode,
            Payment.customer_id == customer_id,
        )
    )
    return bool((await session.execute(statement)).scalar())


async def payment_of_receipt(
    session: AsyncSession, tenant: Tenant, receipt_id: uuid.UUID
) -> Payment | None:
    """The payment a receipt was issued for, if it was issued for one."""
    statement = select(Payment).where(
        Payment.account_id == tenant.account_id,
        Payment.livemode == tenant.livemode,
        Payment.receipt_id == receipt_id,
    )
    return (await session.execute(statement)).scalars().first()
