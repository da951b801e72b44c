"""Payment links: create, list, deactivate; the hosted page's payment; and the provider
notifications that record what was paid, once per provider payment."""

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.accounts import service as accounts_service
from faktura.accounts.models import Account
from faktura.config import Settings
from faktura.core.clock import utcnow
from faktura.core.errors import FakturaError, InvalidState, NotFound, ValidationFailed
from faktura.core.money import check_minor_units, money_text
from faktura.core.tenant import Tenant
from faktura.customers import service as customers_service
from faktura.customers.models import Party
from faktura.db.pagination import Page, PageParams, paginate, tenant_rows
from faktura.documents import service as documents_service
from faktura.documents.models import Document, DocumentStatus
from faktura.events.models import Event
from faktura.events.service import record_event
from faktura.jobs import service as jobs_service
from faktura.payment_links import notifications
from faktura.payment_links.models import PaymentLink, ProviderEvent, ProviderPayment
from faktura.payment_links.notifications import Notification, PaymentState
from faktura.payment_links.providers import Charge, ProviderError
from faktura.payment_links.providers.registry import provider_for_mode, provider_named
from faktura.payment_links.schemas import LinkStatus, PaymentLinkCreate, link_out, link_status
from faktura.payments import service as payments_service
from faktura.payments.models import Payment
from faktura.payments.schemas import PaymentCreate, RefundCreate

ZERO = Decimal(0)
PAYABLE = frozenset(
    {
        DocumentStatus.PENDING,
        DocumentStatus.OVERDUE,
        DocumentStatus.PARTIAL,
        DocumentStatus.IN_PAYMENT_PLAN,
    }
)
CHECK_KIND = "payment_links.check"
REFUND_KIND = "payment_links.refund_at_provider"
# A payment still pending at its provider is asked about after these delays, then reported.
CHECK_AFTER = (timedelta(minutes=15), timedelta(hours=1), timedelta(hours=6), timedelta(days=1))


class UnknownProviderPayment(FakturaError):
    """A notification about a payment not (yet) known here: the provider retries it."""

    code, status, default_message = (
        "conflict",
        409,
        "No payment with this provider id is known yet; retry later",
    )


async def _record(
    session: AsyncSession, tenant: Tenant, settings: Settings, link: PaymentLink, event: str
) -> None:
    await session.flush()
    shown = link_out(link, settings.public_base_url, utcnow())
    await record_event(
        session, tenant, event, "payment_link", link.id, {"object": shown.model_dump(mode="json")}
    )


def _payable(document: Document) -> None:
    """Refuse (409) a link or a payment for an invoice that cannot take one."""
    if document.status == DocumentStatus.DRAFT:
        raise InvalidState("A draft cannot be paid: issue the invoice first")
    if document.status not in PAYABLE or document.amount_due <= 0:
        raise InvalidState(f"Invoice {document.number} is {document.status.value}: nothing to pay")


async def create_link(
    session: AsyncSession, tenant: Tenant, settings: Settings, data: PaymentLinkCreate
) -> PaymentLink:
    try:
        invoice = await documents_service.get_document(
            session, tenant, data.document_id, "invoice", for_update=True
        )
    except NotFound as exc:
        raise NotFound(f"document_id: {exc.message}") from exc
    _payable(invoice)
    amount = invoice.amount_due if data.amount is None else data.amount
    if amount > invoice.amount_due:
        raise ValidationFailed.on_field(
            "amount",
            f"{money_text(amount, invoice.currency)} is more than the invoice's amount due "
            f"({money_text(invoice.amount_due, invoice.currency)})",
        )
    check_minor_units(amount, invoice.currency, "amount")
    provider = provider_for_mode(tenant.livemode)
    if provider is None:
        raise InvalidState(
            "No live payment provider is configured for this account: live-mode links cannot "
            "take payments (test mode uses the built-in test provider)"
        )
    now = utcnow()
    link = PaymentLink(
        account_id=tenant.account_id,
        livemode=tenant.livemode,
        document_id=invoice.id,
        token=secrets.token_urlsafe(32),
        status="active",
        amount=amount,
        currency=invoice.currency,
        installments=data.installments,
        single_use=data.single_use,
        provider=provider,
        expires_at=now + timedelta(hours=data.expiry_hours),
        link_metadata=dict(data.metadata),
        created_at=now,
        updated_at=now,
    )
    session.add(link)
    await _record(session, tenant, settings, link, "payment_link.created")
    return link


def _links(tenant: Tenant) -> Select[PaymentLink]:
    return select(PaymentLink).where(tenant_rows(PaymentLink, tenant))


async def get_link(
    session: AsyncSession, tenant: Tenant, link_id: uuid.UUID, *, for_update: bool = False
) -> PaymentLink:
    statement = _links(tenant).where(PaymentLink.id == link_id)
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    link = (await session.execute(statement)).scalar_one_or_none()
    if link is None:
        raise NotFound("Payment link not found")
    return link


@dataclass(frozen=True)
class LinkFilters:
    document_id: uuid.UUID | None = None
    status: LinkStatus | None = None


async def list_links(
    session: AsyncSession, tenant: Tenant, filters: LinkFilters, params: PageParams
) -> Page[PaymentLink]:
    statement = _links(tenant)
    if filters.document_id is not None:
        statement = statement.where(PaymentLink.document_id == filters.document_id)
    now = utcnow()
    if filters.status == "active":
        statement = statement.where(PaymentLink.status == "active", PaymentLink.expires_at > now)
    elif filters.status == "expired":
        statement = statement.where(PaymentLink.status == "active", PaymentLink.expires_at <= now)
    elif filters.status is not None:
        statement = statement.where(PaymentLink.status == filters.status)
    return await paginate(session, statement, PaymentLink.id, params)


async def deactivate_link(
    session: AsyncSession, tenant: Tenant, settings: Settings, link_id: uuid.UUID
) -> PaymentLink:
    """An active or expired link stops for good; deactivating twice is a no-op."""
    link = await get_link(session, tenant, link_id, for_update=True)
    if link.status == "deactivated":
        return link
    if link.status == "completed":
        raise InvalidState("A completed payment link cannot be deactivated")
    link.status = "deactivated"
    link.deactivated_at = link.updated_at = utcnow()
    await _record(session, tenant, settings, link, "payment_link.deactivated")
    return link


# The hosted page


@dataclass(frozen=True)
class PayView:
    """What the hosted page shows of one link."""

    link: PaymentLink
    status: LinkStatus
    document: Document
    account: Account
    customer: Party
    # What a payment now takes: the link's amount, never above what the invoice has due.
    payable: Decimal
    # The payer's last attempt, when the page shows its outcome.
    attempt: ProviderPayment | None = None

    @property
    def tenant(self) -> Tenant:
        return Tenant(self.link.account_id, self.link.livemode)


async def link_by_token(
    session: AsyncSession, token: str, *, for_update: bool = False
) -> PaymentLink:
    statement = select(PaymentLink).where(PaymentLink.token == token)
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    link = (await session.execute(statement)).scalar_one_or_none()
    if link is None:
        raise NotFound("This payment link does not exist")
    return link


async def pay_view(session: AsyncSession, token: str, *, for_update: bool = False) -> PayView:
    link = await link_by_token(session, token, for_update=for_update)
    tenant = Tenant(link.account_id, link.livemode)
    document = await documents_service.get_document(
        session, tenant, link.document_id, for_update=for_update
    )
    account = await accounts_service.get_account(session, link.account_id)
    customer = await customers_service.get_customer(
        session, tenant, document.customer_id, related=False
    )
    payable = min(link.amount, document.amount_due) if document.status in PAYABLE else ZERO
    return PayView(
        link, link_status(link, utcnow()), document, account, customer, max(payable, ZERO)
    )


@dataclass(frozen=True)
class PayResult:
    view: PayView
    attempt: ProviderPayment | None
    # Why the payment was refused before it reached the provider, or the provider's decline
    # (English, the page's catalogs translate it), with the values its placeholders take.
    error: str | None = None
    error_values: dict[str, str] | None = None


async def pay(
    session: AsyncSession,
    settings: Settings,
    token: str,
    installments: int,
    form: dict[str, str],
) -> PayResult:
    """The payer's submission of the page. The link is locked until the transaction ends, so
    two tabs paying one single-use link pay it once: the second finds it completed."""
    view = await pay_view(session, token, for_update=True)
    link = view.link
    if view.status != "active" or view.payable <= 0:
        return PayResult(view, None, None)
    if not 1 <= installments <= link.installments:
        limit = {"count": str(link.installments)}
        return PayResult(view, None, "Choose between 1 and {count} installments.", limit)
    provider = provider_named(link.provider, settings)
    if provider.livemode != link.livemode:  # a test provider never takes a live link's money
        raise InvalidState("This payment link's provider does not serve its mode")
    charge = Charge(
        link_id=str(link.id),
        attempt_id=str(uuid.uuid4()),
        amount=view.payable,
        currency=link.currency,
        installments=installments,
        description=f"Invoice {view.document.number}",
        form=form,
    )
    try:
        started = await provider.start(charge)
    except ProviderError as exc:
        return PayResult(view, None, exc.message)
    attempt = ProviderPayment(
        account_id=link.account_id,
        livemode=link.livemode,
        link_id=link.id,
        provider=link.provider,
        provider_payment_id=started.provider_payment_id,
        status="pending",
        amount=view.payable,
        currency=link.currency,
        installments=installments,
        amount_refunded=ZERO,
        provider_data=dict(started.data),
    )
    session.add(attempt)
    await session.flush()
    if started.notification is not None:
        await apply_notification(session, settings, link.provider, started.notification)
    if attempt.status == "pending":
        await jobs_service.enqueue_once(
            session,
            CHECK_KIND,
            {"provider_payment_id": attempt.provider_payment_id, "provider": attempt.provider},
            dedupe_key=f"check:{attempt.id}",
            tenant=view.tenant,
            run_at=utcnow() + CHECK_AFTER[0],
        )
    return PayResult(view, attempt, attempt.failure_message if attempt.status == "failed" else None)


# Provider notifications


async def apply_notification(
    session: AsyncSession, settings: Settings, provider: str, notification: Notification
) -> ProviderPayment | None:
    """Apply one notification; None when it was applied before (a repeat). Raises
    UnknownProviderPayment for a payment not known yet, leaving nothing written."""
    try:
        async with session.begin_nested():
            session.add(
                ProviderEvent(
                    provider=provider,
                    provider_event_id=notification.provider_event_id,
                    provider_payment_id=notification.provider_payment_id,
                    type=notification.type,
                    received_at=utcnow(),
                )
            )
            await session.flush()
    except IntegrityError:
        return None
    statement = (
        select(ProviderPayment)
        .where(
            ProviderPayment.provider == provider,
            ProviderPayment.provider_payment_id == notification.provider_payment_id,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    attempt = (await session.execute(statement)).scalar_one_or_none()
    if attempt is None:
        raise UnknownProviderPayment()
    tenant = Tenant(attempt.account_id, attempt.livemode)
    payment = None
    if attempt.payment_id is not None:
        payment = await payments_service.get_payment(
            session, tenant, attempt.payment_id, for_update=True
        )
    state = PaymentState(
        status=attempt.status,  # type: ignore[arg-type]
        recorded=payment is not None,
        refunded_at_provider=attempt.amount_refunded,
        refunded_in_faktura=payment.amount_refunded if payment is not None else ZERO,
    )
    outcome = notifications.apply(state, notification)
    attempt.status = outcome.state.status
    attempt.amount_refunded = outcome.state.refunded_at_provider
    if notification.type == "failed" and attempt.status == "failed":
        attempt.failure_code = notification.failure_code
        attempt.failure_message = notification.failure_message
    if notification.installments is not None and attempt.status == "pending":
        attempt.installments = notification.installments
    if outcome.record_payment:
        payment = await _record_payment(session, tenant, settings, attempt)
    if outcome.refund > 0:
        assert payment is not None
        await payments_service.refund_payment(
            session,
            tenant,
            payment.id,
            RefundCreate(amount=outcome.refund, reason=f"Refunded at {provider}"),
        )
    attempt.updated_at = utcnow()
    return attempt


async def _record_payment(
    session: AsyncSession, tenant: Tenant, settings: Settings, attempt: ProviderPayment
) -> Payment:
    """The payment through the payments domain, as POST /v1/payments records one: applied to
    the invoice (as much as it has due; the rest is the customer's credit), a receipt where the
    account issues them, `payment.created`. Its external id is the provider's payment id, which
    the payments table keeps unique per account: a second recording cannot happen."""
    link = await get_link(session, tenant, attempt.link_id, for_update=True)
    invoice = await documents_service.get_document(
        session, tenant, link.document_id, "invoice", for_update=True
    )
    applies = invoice.status in PAYABLE and invoice.amount_due > 0
    payment = await payments_service.record_payment(
        session,
        tenant,
        PaymentCreate(
            amount=attempt.amount,
            currency=attempt.currency,
            payment_date=utcnow().date(),
            payment_method="card",
            external_payment_id=f"{attempt.provider}:{attempt.provider_payment_id}",
            customer_id=invoice.customer_id,
            invoice_id=invoice.id if applies else None,
            installments=attempt.installments if attempt.installments > 1 else None,
            notes=f"Paid through payment link {link.id} ({attempt.provider})",
        ),
    )
    attempt.payment_id = payment.id
    invoice = await documents_service.get_document(session, tenant, link.document_id, "invoice")
    if link.payment_id is None:
        link.payment_id = payment.id
    if link.status != "completed" and (link.single_use or invoice.amount_due <= 0):
        link.status = "completed"
        link.completed_at = link.updated_at = utcnow()
        await _record(session, tenant, settings, link, "payment_link.completed")
    return payment


async def attempt_by_provider_id(
    session: AsyncSession, provider: str, provider_payment_id: str
) -> ProviderPayment | None:
    statement = select(ProviderPayment).where(
        ProviderPayment.provider == provider,
        ProviderPayment.provider_payment_id == provider_payment_id,
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def latest_attempt(session: AsyncSession, link: PaymentLink) -> ProviderPayment | None:
    statement = (
        select(ProviderPayment)
        .where(ProviderPayment.link_id == link.id)
        .order_by(ProviderPayment.id.desc())
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


# Refunds made in Faktura, carried to the provider


async def enqueue_provider_refund(session: AsyncSession, event: Event) -> None:
    """Event consumer: a refund of a payment made through a link is refunded at its provider
    too, by a job after the commit."""
    if event.type != "payment.refunded" or event.object_id is None:
        return
    found = await session.execute(
        select(ProviderPayment.id).where(ProviderPayment.payment_id == event.object_id)
    )
    if found.first() is None:
        return
    await jobs_service.enqueue_once(
        session,
        REFUND_KIND,
        {"payment_id": str(event.object_id)},
        dedupe_key=f"refund:{event.id}",
        tenant=Tenant(event.account_id, event.livemode),
    )


@dataclass(frozen=True)
class ProviderRefund:
    provider: str
    provider_payment_id: str
    amount: Decimal
    currency: str
    # The provider's refunded total once this refund is made: the refund's idempotency key.
    target_total: Decimal
    data: dict[str, str]


async def refund_due_at_provider(
    session: AsyncSession, tenant: Tenant, payment_id: uuid.UUID
) -> ProviderRefund | None:
    """What Faktura refunded of a provider payment beyond what the provider has refunded."""
    attempt = (
        await session.execute(
            select(ProviderPayment).where(
                ProviderPayment.payment_id == payment_id,
                ProviderPayment.account_id == tenant.account_id,
                ProviderPayment.livemode == tenant.livemode,
            )
        )
    ).scalar_one_or_none()
    if attempt is None:
        return None
    payment = await payments_service.get_payment(session, tenant, payment_id)
    missing = payment.amount_refunded - attempt.amount_refunded
    if missing <= 0:
        return None
    return ProviderRefund(
        attempt.provider,
        attempt.provider_payment_id,
        missing,
        attempt.currency,
        payment.amount_refunded,
        dict(attempt.provider_data),
    )


async def record_provider_refund(
    session: AsyncSession, provider: str, provider_payment_id: str, total: Decimal
) -> None:
    statement = (
        select(ProviderPayment)
        .where(
            ProviderPayment.provider == provider,
            ProviderPayment.provider_payment_id == provider_payment_id,
        )
        .with_for_update()
    )
    attempt = (await session.execute(statement)).scalar_one()
    attempt.amount_refunded = max(attempt.amount_refunded, total)
    attempt.updated_at = utcnow()
