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
from faktura.core import secrets as core_secrets
from faktura.core.clock import utcnow
from faktura.core.errors import FakturaError, InvalidState, NotFound, ValidationFailed
from faktura.core.money import check_minor_units, money_text
from faktura.core.tenant import Tenant
from faktura.customers import service as customers_service
from faktura.customers.models import Party
from faktura.db.pagination import Page, PageParams, paginate, tenant_rows
from faktura.db.session import Database
from faktura.documents import service as documents_service
from faktura.documents.models import Document, DocumentStatus
from faktura.events.models import Event
from faktura.events.service import record_event
from faktura.jobs import service as jobs_service
from faktura.payment_links import notifications
from faktura.payment_links.models import (
    PaymentLink,
    ProviderAccount,
    ProviderEvent,
    ProviderPayment,
)
from faktura.payment_links.notifications import Notification, PaymentState
from faktura.payment_links.providers import Charge, Provider, ProviderError, Started
from faktura.payment_links.providers.registry import (
    CONFIGURED,
    STRIPE,
    TEST,
    configured_provider,
    test_provider,
)
from faktura.payment_links.schemas import (
    LinkStatus,
    PaymentLinkCreate,
    StripeAccountIn,
    link_out,
    link_status,
)
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
    provider = await provider_for_new_link(session, tenant)
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


# Providers


async def provider_account(
    session: AsyncSession, tenant: Tenant, name: str
) -> ProviderAccount | None:
    statement = select(ProviderAccount).where(
        ProviderAccount.account_id == tenant.account_id,
        ProviderAccount.livemode == tenant.livemode,
        ProviderAccount.provider == name,
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def provider_for_new_link(session: AsyncSession, tenant: Tenant) -> str | None:
    """The provider a new link of the tenant is paid through: the one the account configured
    for this mode, else (test mode) the built-in test provider; None in live mode without."""
    for name in CONFIGURED:
        if await provider_account(session, tenant, name) is not None:
            return name
    return None if tenant.livemode else TEST


async def provider_of(
    session: AsyncSession, settings: Settings, tenant: Tenant, name: str
) -> Provider:
    if name == TEST:
        return test_provider(settings)
    account = await provider_account(session, tenant, name)
    if account is None:
        raise InvalidState(f"The account no longer has {name} configured for this mode")
    return configured_provider(settings, account)


async def provider_by_account_id(
    session: AsyncSession, settings: Settings, name: str, provider_account_id: str
) -> tuple[Provider, Tenant] | None:
    """The provider of the credentials a notification URL names, and whose they are; None
    when none is."""
    try:
        account_id = uuid.UUID(provider_account_id)
    except ValueError:
        return None
    account = await session.get(ProviderAccount, account_id)
    if account is None or account.provider != name:
        return None
    return configured_provider(settings, account), Tenant(account.account_id, account.livemode)


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
    # What the provider's own step on the page needs (Stripe: its client secret and keys).
    provider: Provider | None = None


@dataclass(frozen=True)
class _Planned:
    view: PayView
    charge: Charge | None
    provider: Provider | None
    reused: ProviderPayment | None = None
    refusal: PayResult | None = None


async def _plan(
    session: AsyncSession,
    settings: Settings,
    token: str,
    installments: int,
    form: dict[str, str],
    *,
    for_update: bool,
) -> _Planned:
    """What to ask the provider for, or why nothing is asked."""
    view = await pay_view(session, token, for_update=for_update)
    link = view.link
    if view.status != "active" or view.payable <= 0:
        return _Planned(view, None, None, refusal=PayResult(view, None))
    if not 1 <= installments <= link.installments:
        limit = {"count": str(link.installments)}
        refusal = PayResult(view, None, "Choose between 1 and {count} installments.", limit)
        return _Planned(view, None, None, refusal=refusal)
    provider = await provider_of(session, settings, view.tenant, link.provider)
    if provider.livemode != link.livemode:  # test money never pays a live link, nor the reverse
        raise InvalidState("This payment link's provider does not serve its mode")
    if not provider.answers_at_once:
        # A payment started and not finished (another tab, a reload) is the one to finish:
        # the provider lets one payment succeed once.
        statement = (
            select(ProviderPayment)
            .where(
                ProviderPayment.link_id == link.id,
                ProviderPayment.status == "pending",
                ProviderPayment.amount == view.payable,
                ProviderPayment.installments == installments,
            )
            .order_by(ProviderPayment.id.desc())
            .limit(1)
        )
        reused = (await session.execute(statement)).scalar_one_or_none()
        if reused is not None:
            return _Planned(view, None, provider, reused=reused)
    charge = Charge(
        link_id=str(link.id),
        attempt_id=str(uuid.uuid4()),
        amount=view.payable,
        currency=link.currency,
        installments=installments,
        description=f"Invoice {view.document.number}",
        form=form,
    )
    return _Planned(view, charge, provider)


async def _keep_started(
    session: AsyncSession,
    settings: Settings,
    view: PayView,
    charge: Charge,
    started: Started,
) -> ProviderPayment:
    link = view.link
    attempt = ProviderPayment(
        account_id=link.account_id,
        livemode=link.livemode,
        link_id=link.id,
        provider=link.provider,
        provider_payment_id=started.provider_payment_id,
        status="pending",
        amount=charge.amount,
        currency=link.currency,
        installments=charge.installments,
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
    return attempt


def _result(view: PayView, attempt: ProviderPayment, provider: Provider) -> PayResult:
    error = attempt.failure_message if attempt.status == "failed" else None
    return PayResult(view, attempt, error, provider=provider)


async def pay(
    db: Database,
    settings: Settings,
    token: str,
    installments: int,
    form: dict[str, str],
) -> PayResult:
    """The payer's submission of the page.

    A provider that answers at once is asked inside one transaction holding the link, so two
    tabs paying one single-use link pay it once: the second finds it completed. Any other
    provider is asked between two transactions (no network I/O inside one), and a payment
    already started for the link is reused rather than a second one started.
    """
    async with db.transaction() as session:
        planned = await _plan(session, settings, token, installments, form, for_update=True)
        if planned.refusal is not None:
            return planned.refusal
        assert planned.provider is not None
        if planned.reused is not None:
            return _result(planned.view, planned.reused, planned.provider)
        assert planned.charge is not None
        if planned.provider.answers_at_once:
            try:
                started = await planned.provider.start(planned.charge)
            except ProviderError as exc:
                return PayResult(planned.view, None, exc.message)
            attempt = await _keep_started(session, settings, planned.view, planned.charge, started)
            return _result(planned.view, attempt, planned.provider)
    try:
        started = await planned.provider.start(planned.charge)
    except ProviderError as exc:
        return PayResult(planned.view, None, exc.message)
    async with db.transaction() as session:
        view = await pay_view(session, token, for_update=True)
        attempt = await _keep_started(session, settings, view, planned.charge, started)
        return _result(view, attempt, planned.provider)


async def payment_returned(
    db: Database, settings: Settings, token: str, provider_payment_id: str
) -> PayResult:
    """The payer is back from the provider's step: ask the provider where the payment stands
    (outside any transaction) and apply the answer like a notification."""
    async with db.transaction(writes=False) as session:
        view = await pay_view(session, token)
        attempt = await attempt_by_provider_id(session, view.link.provider, provider_payment_id)
        if attempt is None or attempt.link_id != view.link.id:
            raise NotFound("No such payment of this link")
        provider = await provider_of(session, settings, view.tenant, view.link.provider)
    if attempt.status == "pending":
        answer = await provider.state_of(provider_payment_id, attempt.provider_data)
        async with db.transaction() as session:
            await apply_notification(session, settings, view.link.provider, answer)
    async with db.transaction(writes=False) as session:
        view = await pay_view(session, token)
        attempt = await attempt_by_provider_id(session, view.link.provider, provider_payment_id)
        assert attempt is not None
        return _result(view, attempt, provider)


# Provider notifications


async def apply_notification(
    session: AsyncSession,
    settings: Settings,
    provider: str,
    notification: Notification,
    *,
    tenant: Tenant | None = None,
) -> ProviderPayment | None:
    """Apply one notification; None when it was applied before (a repeat). Raises
    UnknownProviderPayment for a payment not known yet — or, with `tenant` (the account whose
    credentials verified it), not that account's — leaving nothing written."""
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
    attempt = await attempt_by_provider_id(
        session, provider, notification.provider_payment_id, for_update=True
    )
    if attempt is None:
        raise UnknownProviderPayment()
    owner = Tenant(attempt.account_id, attempt.livemode)
    if tenant is not None and tenant != owner:
        # Verified with one account's secret, about another's payment: never applied.
        raise UnknownProviderPayment()
    tenant = owner
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
    session: AsyncSession, provider: str, provider_payment_id: str, *, for_update: bool = False
) -> ProviderPayment | None:
    statement = select(ProviderPayment).where(
        ProviderPayment.provider == provider,
        ProviderPayment.provider_payment_id == provider_payment_id,
    )
    if for_update:
        # Locked rows are read afresh: an earlier read in this transaction may be stale.
        statement = statement.with_for_update().execution_options(populate_existing=True)
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
    attempt = await attempt_by_provider_id(session, provider, provider_payment_id, for_update=True)
    assert attempt is not None  # provider payments are never deleted
    attempt.amount_refunded = max(attempt.amount_refunded, total)
    attempt.updated_at = utcnow()


# An account's credentials at providers


async def set_stripe_account(
    session: AsyncSession, tenant: Tenant, settings: Settings, data: StripeAccountIn
) -> ProviderAccount:
    """Stripe's keys of the tenant's mode: test keys in test mode, live keys in live mode, so
    test money never pays a live link and the reverse."""
    mode = "live" if tenant.livemode else "test"
    for field, key in (("secret_key", data.secret_key), ("publishable_key", data.publishable_key)):
        if f"_{mode}_" not in key[:8]:
            raise ValidationFailed.on_field(field, f"a {mode}-mode key is needed in {mode} mode")
    account = await provider_account(session, tenant, STRIPE)
    if account is None:
        account = ProviderAccount(
            account_id=tenant.account_id, livemode=tenant.livemode, provider=STRIPE
        )
        session.add(account)
    account.secret_key_encrypted = core_secrets.encrypt(settings, data.secret_key)
    account.secret_key_last4 = data.secret_key[-4:]
    account.publishable_key = data.publishable_key
    account.webhook_secret_encrypted = (
        None if data.webhook_secret is None else core_secrets.encrypt(settings, data.webhook_secret)
    )
    account.api_base_url = data.api_base_url
    account.updated_at = utcnow()
    await session.flush()
    return account


async def list_provider_accounts(session: AsyncSession, tenant: Tenant) -> list[ProviderAccount]:
    statement = (
        select(ProviderAccount)
        .where(
            ProviderAccount.account_id == tenant.account_id,
            ProviderAccount.livemode == tenant.livemode,
        )
        .order_by(ProviderAccount.provider)
    )
    return list((await session.execute(statement)).scalars())


async def remove_provider_account(session: AsyncSession, tenant: Tenant, name: str) -> None:
    """New links go back to the test provider (test mode) or are refused (live mode); links
    made with it still read its credentials, so pending payments can finish only while it is
    configured."""
    account = await provider_account(session, tenant, name)
    if account is None:
        raise NotFound(f"No {name} account is configured for this mode")
    await session.delete(account)
