"""Delivering one message: decide and render it (one transaction), talk to the mail server
(no transaction open), record what the server said (the job's finishing transaction).

A worker killed mid-conversation leaves the message `sending`; the job's next run sends it
again with the same Message-ID, which is how a receiver that got both drops the repeat.
"""

import dataclasses
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.accounts import service as accounts_service
from faktura.accounts.models import Account
from faktura.clearance import service as clearance_service
from faktura.config import Settings
from faktura.core import secrets
from faktura.core.clock import utcnow
from faktura.core.errors import NotFound
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


def _stop(message: Message, status: str, error: str | None) -> None:
    message.status = status
    message.error = error
    message.updated_at = utcnow()


async def _fail(session: AsyncSession, tenant: Tenant, message: Message, error: str) -> None:
    _stop(message, service.FAILED, error)
    await service.record_message_event(session, tenant, message, "failed")


async def prepare(
    session: AsyncSession, settings: Settings, tenant: Tenant, message_id: uuid.UUID
) -> Outgoing | Wait | None:
    """Render the message and mark it `sending`; or settle it without a server (cancelled,
    suppressed, captured, failed) and return None; or Wait while the document's clearance,
    required before sending, is pending. Does nothing to a settled message."""
    try:
        message = await service.get_message(session, tenant, message_id, for_update=True)
    except NotFound:  # gone with its account
        return None
    if message.status not in (*service.WAITING, service.SENDING):
        return None
    blocker = await clearance_service.send_blocker(session, tenant, message.document_id)
    if isinstance(blocker, timedelta):
        return Wait(blocker)
    if blocker is not None:
        await _fail(session, tenant, message, blocker)
        return None
    shown = await documents_queries.shown_document(session, tenant, message.document_id)
    customer = await customers_service.get_customer(session, tenant, message.customer_id)
    account = await accounts_service.get_account(session, tenant.account_id)
    if message.origin == "reminder":
        reason = _why_not_remind(shown, customer, account)
        if reason is not None:
            _stop(message, service.CANCELLED, reason)
            return None
    defaults, greeted = recipients_of(customer, message.escalation_level)
    to = list(message.to_given) if message.to_given else defaults
    cc = list(message.cc_given or [])
    email_settings = account.email_settings
    reply_to = email_settings.get("reply_to") or account.email
    if message.cc_self and reply_to:
        cc.append(reply_to)
    to, cc = unique(to), [a for a in unique(cc) if a.lower() not in {t.lower() for t in to}]
    if not to:
        await _fail(
            session, tenant, message, "no recipient: the customer has no contact and no email"
        )
        return None
    suppressed = await service.suppressed_among(session, tenant, to + cc)
    message.to_addresses = [a for a in to if a.lower() not in suppressed]
    message.cc_addresses = [a for a in cc if a.lower() not in suppressed]
    if not message.to_addresses:
        _stop(
            message,
            service.SUPPRESSED,
            "every recipient bounced before: " + ", ".join(sorted(suppressed)),
        )
        return None
    if greeted is not None and greeted.email not in message.to_addresses:
        greeted = None
    link_url = None
    if message.payment_link_id is not None:
        link = await payment_links_service.get_link(session, tenant, message.payment_link_id)
        link_url = link_url_of(settings.public_base_url, link.token)
    context = service.context_of(
        shown, customer, account, greeted, message.stage, message.escalation_level, link_url
    )
    view = await service.template_for(
        session, tenant, message.template_id, message.stage, context["locale"]
    )
    try:
        rendered = templates.render(view.source, context)
    except templates.TemplateProblem as problem:
        await _fail(session, tenant, message, f"the template does not render: {problem}")
        return None
    sender = service.sender_address(settings, email_settings)
    from_name = email_settings.get("from_name") or account.name
    message.from_address = f"{from_name} <{sender}>"
    message.reply_to = reply_to
    message.subject = rendered.subject
    message.html_body = rendered.html_body
    message.text_body = rendered.text_body
    try:
        server = _server(settings, account, message.livemode)
    except (secrets.SecretUnreadable, ValueError) as exc:
        await _fail(session, tenant, message, f"the mail server settings cannot be used: {exc}")
        return None
    if server is None:
        if not message.livemode:
            _stop(message, service.CAPTURED, None)
            return None
        await _fail(
            session, tenant, message, "no mail server: set FAKTURA_SMTP_URL or the account's smtp"
        )
        return None
    message.status = service.SENDING
    message.attempts += 1
    message.updated_at = utcnow()
    letter = Letter(
        message_id=message.message_id_header,
        from_name=from_name,
        from_address=sender,
        reply_to=reply_to,
        to=list(message.to_addresses),
        cc=list(message.cc_addresses),
        subject=rendered.subject,
        text_body=rendered.text_body,
        html_body=rendered.html_body,
        language=str(context["locale"]),
    )
    einvoice = account.einvoice_attachment if shown["type"] in EINVOICE_TYPES else None
    return Outgoing(
        message.id,
        letter,
        server,
        message.document_id,
        shown["type"],
        message.attach_pdf,
        einvoice,
    )


def with_attachments(letter: Letter, attachments: list[tuple[str, bytes, str]]) -> Letter:
    return dataclasses.replace(letter, attachments=tuple(attachments))


async def record_retry(
    session: AsyncSession,
    tenant: Tenant,
    message_id: uuid.UUID,
    *,
    response: str | None = None,
    error: str | None = None,
) -> None:
    """It did not go this time (the server's transient `response`, or an `error` before the
    server, such as a PDF that could not be attached): queued again, saying why."""
    message = await service.get_message(session, tenant, message_id, for_update=True)
    if message.status == service.SENDING:
        message.status = service.QUEUED
        if response is not None:
            message.last_response = response[:2000]
        message.error = error
        message.updated_at = utcnow()


async def record_failure(
    session: AsyncSession, tenant: Tenant, message_id: uuid.UUID, error: str
) -> None:
    """Out of attempts before reaching a server: failed, and `message.failed` recorded."""
    message = await service.get_message(session, tenant, message_id, for_update=True)
    if message.status == service.SENDING:
        await _fail(session, tenant, message, error)


async def record_outcome(
    session: AsyncSession, tenant: Tenant, message_id: uuid.UUID, outcome: Outcome
) -> None:
    """Settle the message with what the server said (a transient answer here is the last
    attempt's: the message failed)."""
    message = await service.get_message(session, tenant, message_id, for_update=True)
    if message.status != service.SENDING:  # settled meanwhile (a run that overran its lease)
        return
    message.last_response = outcome.response[:2000]
    message.updated_at = utcnow()
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
        await documents_service.record_sent(session, tenant, message.document_id)
        await service.record_message_event(session, tenant, message, "sent")
        return
    if isinstance(outcome, Refused) and outcome.recipients:
        for address, answer in outcome.recipients.items():
            await service.suppress(session, tenant, address, answer, message.id)
        message.status = service.BOUNCED
        message.error = f"the mail server refused every recipient: {outcome.response}"
        await service.record_message_event(session, tenant, message, "bounced")
        return
    await _fail(
        session,
        tenant,
        message,
        f"the mail server refused the message: {outcome.response}"
        if isinstance(outcome, Refused)
        else f"no answer after every attempt: {outcome.response}",
    )
