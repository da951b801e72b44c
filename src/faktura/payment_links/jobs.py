"""The background work of payment links: asking a provider about a payment still pending,
and carrying a refund made in Faktura to the provider."""

import uuid
from datetime import timedelta
from decimal import Decimal

from faktura.core.clock import utcnow
from faktura.core.tenant import Tenant
from faktura.jobs.kinds import JobContext, JobKind, Registry
from faktura.payment_links import service


async def _check(ctx: JobContext) -> None:
    """A payment pending at its provider is asked about, as often as CHECK_AFTER says; what
    the provider answers is applied like a notification. Still pending after the last
    check: the job fails, and an operator sees it in the failed jobs."""
    provider_name = ctx.payload["provider"]
    provider_payment_id = ctx.payload["provider_payment_id"]
    async with ctx.db.transaction(writes=False) as session:
        attempt = await service.attempt_by_provider_id(session, provider_name, provider_payment_id)
        if attempt is not None:
            tenant = Tenant(attempt.account_id, attempt.livemode)
            provider = await service.provider_of(session, ctx.settings, tenant, provider_name)
    if attempt is None or attempt.status != "pending":
        ctx.report(status=None if attempt is None else attempt.status)
        async with ctx.finishing():
            return
    answer = await provider.state_of(provider_payment_id, attempt.provider_data)
    async with ctx.finishing() as session:
        applied = await service.apply_notification(session, ctx.settings, provider_name, answer)
        status = applied.status if applied is not None else "pending"
        ctx.report(status=status)
        if status == "pending":
            age = utcnow() - attempt.created_at
            elapsed = timedelta(0)
            for delay in service.CHECK_AFTER:
                elapsed += delay
                if age < elapsed:
                    ctx.run_again(attempt.created_at + elapsed)
                    return
            raise RuntimeError(f"{provider_name} payment {provider_payment_id} is still pending")


async def _refund(ctx: JobContext) -> None:
    """Refund at the provider what Faktura refunded beyond what the provider reports. The
    provider's refunded total after the refund is its idempotency key, so a rerun after a
    crash refunds nothing twice."""
    tenant = ctx.tenant
    payment_id = uuid.UUID(ctx.payload["payment_id"])
    async with ctx.db.transaction(writes=False) as session:
        due = await service.refund_due_at_provider(session, tenant, payment_id)
        if due is not None:
            provider = await service.provider_of(session, ctx.settings, tenant, due.provider)
    if due is None:
        ctx.report(refunded=Decimal(0))
        async with ctx.finishing():
            return
    await provider.refund(
        due.provider_payment_id,
        due.amount,
        due.currency,
        idempotency_key=f"{due.provider_payment_id}:{due.target_total}",
    )
    ctx.report(refunded=due.amount)
    async with ctx.finishing() as session:
        await service.record_provider_refund(
            session, due.provider, due.provider_payment_id, due.target_total
        )


CHECK = JobKind(service.CHECK_KIND, _check, max_attempts=8)
REFUND = JobKind(service.REFUND_KIND, _refund, max_attempts=10)


def register(registry: Registry) -> None:
    registry.register(CHECK)
    registry.register(REFUND)
