"""Delivering messages, a batch at a time: decide and render them (one transaction), talk to the
mail servers (no transaction open), record what the servers said (one transaction).

Each message is decided and recorded on its own terms: what several messages share — a
document, a customer, the account, a template, the suppressed addresses — is read once for the
batch (`_Sources`), but a message that cannot be read or rendered is left out of the batch's
writes and fails alone (the caller fails its job; the others go on).

A worker killed mid-conversation leaves the message `sending`; the job's next run sends it
again with the same Message-ID, which is how a receiver that got both drops the repeat.
"""

import dataclasses
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.accounts import service as accounts_service
from faktura.accounts.models import Account
from faktura.clearance import service as clearance_service
from faktura.config import Settings
from faktura.core import secrets
from faktura.core.clock import utcnow
from faktura.core.tenant import Tenant
from faktura.customers import service as customers_service
from faktura.customers.models import Party
from faktura.documents import queries as documents_queries
from faktura.documents import service as documents_service
from faktura.documents.models import DocumentStatus
from faktura.email import service, templates
from faktura.email.models import Message
from faktura.email.recipients import recipients_of, unique
from faktura.email.smtp import Letter, Outcome, Refused, Sent, SmtpServer, server_of
from faktura.payment_links import service as payment_links_service
from faktura.payment_links.schemas import link_url as link_url_of

# Reminders go only to invoices still waiting for their money.
REMINDABLE = frozenset({DocumentStatus.PENDING, DocumentStatus.OVERDUE, DocumentStatus.PARTIAL})


# The document types that have an e-invoice.
EINVOICE_TYPES = ("invoice", "credit_note")


@dataclass(frozen=True)
class Wait:
    """Not yet: the document awaits the clearance its account requires before sending."""

    delay: timedelta


@dataclass(frozen=True)
class Outgoing:
    """A message rendered and marked `sending`: what to hand to which server."""

    message_id: uuid.UUID
    letter: Letter
    server: SmtpServer
    document_id: uuid.UUID
    doc_type: str
    attach_pdf: bool
    # The e-invoice format to attach (the account's `einvoice_attachment`), or None.
    einvoice: str | None = None

    @property
    def sender(self) -> str:
        return self.letter.from_address

    @property
    def recipients(self) -> list[str]:
        return [*self.letter.to, *self.letter.cc]


Prepared = Outgoing | Wait | None


@dataclass(frozen=True)
class Wanted:
    """A message a delivery job asks for."""

    tenant: Tenant
    message_id: uuid.UUID


def _server(settings: Settings, account: Account, livemode: bool) -> SmtpServer | None:
    """Live: the account's server, else FAKTURA_SMTP_URL. Test: FAKTURA_TEST_SMTP_URL only."""
    if not livemode:
        return server_of(settings.test_smtp_url) if settings.test_smtp_url else None
    own = account.email_settings.get("smtp")
    if own:
        encrypted = own.get("password_encrypted")
        password = secrets.decrypt(settings, encrypted) if encrypted else None
        return server_of(own["url"], own.get("username"), password)
    if settings.smtp_url:
        return server_of(settings.smtp_url)
    return None


def _why_not_remind(shown: Mapping[str, Any], customer: Party, account: Account) -> str | None:
    if shown["status"] not in REMINDABLE or Decimal(shown["amount_due"]) <= 0:
        return f"the invoice is {shown['status']} by the time the reminder is due"
    if not customer.reminders_enabled:
        return "the customer has opted out of reminders"
    if not account.reminders.get("enabled", False):
        return "reminders are turned off for the account"
    return None


class _Sources:
    """What the messages of one transaction read, each thing once: documents, customers,
    accounts, templates, and which of their addresses are suppressed."""

    def __init__(self, session: AsyncSession):
        self.session = session
        self._shown: dict[tuple[Tenant, uuid.UUID], Any] = {}
        self._customers: dict[tuple[Tenant, uuid.UUID], Party] = {}
        self._accounts: dict[uuid.UUID, Account] = {}
        self._templates: dict[tuple[Any, ...], service.TemplateView] = {}
        self._suppressed: dict[Tenant, set[str]] = {}
        self._known: dict[Tenant, set[str]] = {}

    async def shown(self, tenant: Tenant, document_id: uuid.UUID) -> Any:
        key = (tenant, document_id)
        if key not in self._shown:
            self._shown[key] = await documents_queries.shown_document(
                self.session, tenant, document_id
            )
        return self._shown[key]

    async def customer(self, tenant: Tenant, customer_id: uuid.UUID) -> Party:
        key = (tenant, customer_id)
        if key not in self._customers:
            self._customers[key] = await customers_service.get_customer(
                self.session, tenant, customer_id
            )
        return self._customers[key]

    async def account(self, tenant: Tenant) -> Account:
        if tenant.account_id not in self._accounts:
            self._accounts[tenant.account_id] = await accounts_service.get_account(
                self.session, tenant.account_id
            )
        return self._accounts[tenant.account_id]

    async def template(
        self, tenant: Tenant, template_id: uuid.UUID | None, stage: str, locale: str
    ) -> service.TemplateView:
        key = (tenant, template_id, stage, templates.language_of(locale))
        if key not in self._templates:
            self._templates[key] = await service.template_for(
                self.session, tenant, template_id, stage, locale
            )
        return self._templates[key]

    async def learn_suppressed(self, tenant: Tenant, addresses: Iterable[str]) -> None:
        """Ask in one query which of `addresses` are suppressed (before `suppressed` is asked
        about them one message at a time)."""
        wanted = {address.lower() for address in addresses} - self._known.get(tenant, set())
        if not wanted:
            return
        found = await service.suppressed_among(self.session, tenant, sorted(wanted))
        self._known.setdefault(tenant, set()).update(wanted)
        self._suppressed.setdefault(tenant, set()).update(found)

    async def suppressed(self, tenant: Tenant, addresses: list[str]) -> set[str]:
        await self.learn_suppressed(tenant, addresses)
        known = self._suppressed.get(tenant, set())
        return {address.lower() for address in addresses} & known


@dataclass
class _Decision:
    """What becomes of one message: the values it takes, and what goes out (or waits)."""

    changes: dict[str, Any] = field(default_factory=dict)
    failed: bool = False  # `message.failed` is recorded
    prepared: Prepared = None


def _stop(status: str, error: str | None, **changes: Any) -> _Decision:
    return _Decision({"status": status, "error": error, **changes}, failed=status == "failed")


def _fail(error: str, **changes: Any) -> _Decision:
    return _stop(service.FAILED, error, **changes)


async def _decide(
    sources: _Sources, settings: Settings, tenant: Tenant, message: Message
) -> _Decision:
    """Render the message and mark it `sending`; or settle it without a server (cancelled,
    suppressed, captured, failed); or Wait while the document's clearance, required before
    sending, is pending. Changes nothing itself: the caller applies the decision."""
    session = sources.session
    blocker = await clearance_service.send_blocker(session, tenant, message.document_id)
    if isinstance(blocker, timedelta):
        return _Decision(prepared=Wait(blocker))
    if blocker is not None:
        return _fail(blocker)
    shown = await sources.shown(tenant, message.document_id)
    customer = await sources.customer(tenant, message.customer_id)
    account = await sources.account(tenant)
    if message.origin == "reminder":
        reason = _why_not_remind(shown, customer, account)
        if reason is not None:
            return _stop(service.CANCELLED, reason)
    defaults, greeted = recipients_of(customer, message.escalation_level)
    to = list(message.to_given) if message.to_given else defaults
    cc = list(message.cc_given or [])
    email_settings = account.email_settings
    reply_to = email_settings.get("reply_to") or account.email
    if message.cc_self and reply_to:
        cc.append(reply_to)
    to, cc = unique(to), [a for a in unique(cc) if a.lower() not in {t.lower() for t in to}]
    if not to:
        return _fail("no recipient: the customer has no contact and no email")
    suppressed = await sources.suppressed(tenant, to + cc)
    to_addresses = [a for a in to if a.lower() not in suppressed]
    cc_addresses = [a for a in cc if a.lower() not in suppressed]
    addressed = {"to_addresses": to_addresses, "cc_addresses": cc_addresses}
    if not to_addresses:
        return _stop(
            service.SUPPRESSED,
            "every recipient bounced before: " + ", ".join(sorted(suppressed)),
            **addressed,
        )
    if greeted is not None and greeted.email not in to_addresses:
        greeted = None
    link_url = None
    if message.payment_link_id is not None:
        link = await payment_links_service.get_link(session, tenant, message.payment_link_id)
        link_url = link_url_of(settings.public_base_url, link.token)
    context = service.context_of(
        shown, customer, account, greeted, message.stage, message.escalation_level, link_url
    )
    view = await sources.template(tenant, message.template_id, message.stage, context["locale"])
    try:
        rendered = templates.render(view.source, context)
    except templates.TemplateProblem as problem:
        return _fail(f"the template does not render: {problem}", **addressed)
    sender = service.sender_address(settings, email_settings)
    from_name = email_settings.get("from_name") or account.name
    shown_fields = {
        **addressed,
        "from_address": f"{from_name} <{sender}>",
        "reply_to": reply_to,
        "subject": rendered.subject,
        "html_body": rendered.html_body,
        "text_body": rendered.text_body,
    }
    try:
        server = _server(settings, account, message.livemode)
    except (secrets.SecretUnreadable, ValueError) as exc:
        return _fail(f"the mail server settings cannot be used: {exc}", **shown_fields)
    if server is None:
        if not message.livemode:
            return _stop(service.CAPTURED, None, **shown_fields)
        return _fail("no mail server: set FAKTURA_SMTP_URL or the account's smtp", **shown_fields)
    letter = Letter(
        message_id=message.message_id_header,
        from_name=from_name,
        from_address=sender,
        reply_to=reply_to,
        to=list(to_addresses),
        cc=list(cc_addresses),
        subject=rendered.subject,
        text_body=rendered.text_body,
        html_body=rendered.html_body,
        language=str(context["locale"]),
    )
    einvoice = account.einvoice_attachment if shown["type"] in EINVOICE_TYPES else None
    outgoing = Outgoing(
        message.id,
        letter,
        server,
        message.document_id,
        shown["type"],
        message.attach_pdf,
        einvoice,
    )
    changes = {**shown_fields, "status": service.SENDING, "attempts": message.attempts + 1}
    return _Decision(changes, prepared=outgoing)


async def _locked_messages(
    session: AsyncSession, wanted: Sequence[Wanted]
) -> dict[uuid.UUID, Message]:
    """The wanted messages that exist (a message goes with its account), rows locked."""
    if not wanted:
        return {}
    tenants = {item.message_id: item.tenant for item in wanted}
    rows = await session.execute(
        select(Message)
        .where(Message.id.in_(list(tenants)))
        .order_by(Message.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    found = {}
    for message in rows.scalars():
        tenant = tenants[message.id]
        if (message.account_id, message.livemode) == (tenant.account_id, tenant.livemode):
            found[message.id] = message
    return found


async def _learn_suppressed_of(
    sources: _Sources, settings: Settings, messages: Iterable[tuple[Tenant, Message]]
) -> None:
    """Which addresses the messages may go to are suppressed, asked once per account and mode:
    the addresses given, and those of the customers' contacts and of the accounts."""
    addresses: dict[Tenant, set[str]] = {}
    for tenant, message in messages:
        found = addresses.setdefault(tenant, set())
        found.update(message.to_given or [], message.cc_given or [])
        try:
            customer = await sources.customer(tenant, message.customer_id)
            account = await sources.account(tenant)
        except Exception:  # noqa: S112 - the message's own decision meets it again, and fails
            continue
        found.update(contact.email for contact in customer.contacts)
        found.update(a for a in (customer.email, account.email) if a)
        reply_to = account.email_settings.get("reply_to")
        if reply_to:
            found.add(reply_to)
    for tenant, found in addresses.items():
        await sources.learn_suppressed(tenant, found)


async def prepare(
    session: AsyncSession, settings: Settings, wanted: Sequence[Wanted]
) -> dict[uuid.UUID, Prepared | Exception]:
    """Decide each wanted message (by id): rendered and marked `sending` (Outgoing); Wait; or
    None — settled without a server, gone, or settled before (nothing is done to a settled
    message). A message whose decision raised gets the exception and is left as it was."""
    messages = await _locked_messages(session, wanted)
    waiting = [
        (item.tenant, messages[item.message_id])
        for item in wanted
        if item.message_id in messages
        and messages[item.message_id].status in (*service.WAITING, service.SENDING)
    ]
    sources = _Sources(session)
    await _learn_suppressed_of(sources, settings, waiting)
    found: dict[uuid.UUID, Prepared | Exception] = {item.message_id: None for item in wanted}
    for tenant, message in waiting:
        try:
            decision = await _decide(sources, settings, tenant, message)
        except Exception as exc:
            found[message.id] = exc
            continue
        if decision.changes:
            for name, value in decision.changes.items():
                setattr(message, name, value)
            message.updated_at = utcnow()
        if decision.failed:
            await service.record_message_event(session, tenant, message, "failed")
        found[message.id] = decision.prepared
    await session.flush()
    return found


def with_attachments(letter: Letter, attachments: list[tuple[str, bytes, str]]) -> Letter:
    return dataclasses.replace(letter, attachments=tuple(attachments))


# What became of a message handed to `record`: the server's answer (an Outcome), or one of these.


@dataclass(frozen=True)
class TryLater:
    """It did not go this time: the server's transient `response`, or an `error` before the
    server (such as a PDF that could not be attached). Queued again, saying why."""

    response: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class FailedBefore:
    """Out of attempts before reaching a server: failed, and `message.failed` recorded."""

    error: str


@dataclass(frozen=True)
class NotTried:
    """Not handed to the server (the batch ran out of time): queued again, this attempt not
    counted."""


Result = Outcome | TryLater | FailedBefore | NotTried


async def record(session: AsyncSession, results: Mapping[Wanted, Result]) -> None:
    """Record what became of each message that was `sending` (a message settled meanwhile, by
    a run that overran its lease, is left as it is). The documents of the messages sent are
    locked together and written once each."""
    messages = await _locked_messages(session, list(results))
    sent: dict[Tenant, list[Message]] = {}
    for wanted, result in results.items():
        message = messages.get(wanted.message_id)
        if message is None or message.status != service.SENDING:
            continue
        await _record_one(session, wanted.tenant, message, result)
        if message.status == service.SENT:
            sent.setdefault(wanted.tenant, []).append(message)
    for tenant, went in sent.items():
        await documents_service.record_sent_all(
            session, tenant, [message.document_id for message in went]
        )
        for message in went:
            await service.record_message_event(session, tenant, message, "sent")
    await session.flush()


async def _record_one(
    session: AsyncSession, tenant: Tenant, message: Message, result: Result
) -> None:
    """The message's new state (when it was sent, its document's and the events are the
    caller's to write)."""
    now = utcnow()
    message.updated_at = now
    if isinstance(result, NotTried):
        message.status = service.QUEUED
        message.attempts = max(message.attempts - 1, 0)
        return
    if isinstance(result, TryLater):
        message.status = service.QUEUED
        if result.response is not None:
            message.last_response = result.response[:2000]
        message.error = result.error
        return
    if isinstance(result, FailedBefore):
        await _settle_failed(session, tenant, message, result.error)
        return
    await _record_outcome(session, tenant, message, result)


async def _settle_failed(
    session: AsyncSession, tenant: Tenant, message: Message, error: str
) -> None:
    message.status = service.FAILED
    message.error = error
    await service.record_message_event(session, tenant, message, "failed")


async def _record_outcome(
    session: AsyncSession, tenant: Tenant, message: Message, outcome: Outcome
) -> None:
    """Settle the message with what the server said (a transient answer here is the last
    attempt's: the message failed); `record` writes what a sent one brings."""
    message.last_response = outcome.response[:2000]
    if isinstance(outcome, Sent):
        message.status = service.SENT
        message.sent_at = utcnow()
        message.error = None  # what held up an earlier attempt is past
        for address, answer in outcome.refused.items():
            if answer.startswith("5"):
                await service.suppress(session, tenant, address, answer, message.id)
        if outcome.refused:
            refused = "; ".join(f"{a}: {r}" for a, r in outcome.refused.items())
            message.error = f"refused: {refused}"
        return
    if isinstance(outcome, Refused) and outcome.recipients:
        for address, answer in outcome.recipients.items():
            await service.suppress(session, tenant, address, answer, message.id)
        message.status = service.BOUNCED
        message.error = f"the mail server refused every recipient: {outcome.response}"
        await service.record_message_event(session, tenant, message, "bounced")
        return
    await _settle_failed(
        session,
        tenant,
        message,
        f"the mail server refused the message: {outcome.response}"
        if isinstance(outcome, Refused)
        else f"no answer after every attempt: {outcome.response}",
    )
