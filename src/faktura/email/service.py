"""Templates, sending, messages and suppressed addresses: what the API does with email.

A send writes the message and its delivery job in the request's transaction; nothing talks
to a mail server before the commit (delivery.py does, in the job).
"""

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Select, Table, delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.accounts import service as accounts_service
from faktura.accounts.models import (
    Account,
    EmailSettingsData,
    RemindersData,
    ReminderStepData,
    SmtpData,
)
from faktura.config import Settings
from faktura.core import secrets
from faktura.core.clock import utcnow
from faktura.core.errors import ErrorDetail, InvalidState, NotFound, ValidationFailed
from faktura.core.ids import uuid7
from faktura.core.tenant import Tenant
from faktura.customers import service as customers_service
from faktura.customers.models import Contact, Party
from faktura.db.binds import bind_columns, bind_values
from faktura.db.pagination import Page, PageParams, paginate, tenant_rows
from faktura.documents import queries as documents_queries
from faktura.documents import service as documents_service
from faktura.documents.models import DocumentStatus
from faktura.email import schemas, templates
from faktura.email.context import (
    account_vars,
    contact_vars,
    customer_vars,
    message_locale,
    sample_context,
    template_context,
)
from faktura.email.models import EmailTemplate, Message, Suppression
from faktura.email.recipients import recipients_of
from faktura.email.templates import TemplateProblem, TemplateSource
from faktura.events.service import record_event
from faktura.jobs import service as jobs
from faktura.payment_links import service as payment_links_service
from faktura.payment_links.schemas import (
    DEFAULT_EXPIRY_HOURS,
    MAX_EXPIRY_HOURS,
    PaymentLinkCreate,
)

DELIVER_KIND = "email.deliver"
MAX_ACCOUNT_TEMPLATES = 200

SCHEDULED = "scheduled"
QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
BOUNCED = "bounced"
SUPPRESSED = "suppressed"
CANCELLED = "cancelled"
CAPTURED = "captured"
WAITING = (SCHEDULED, QUEUED)


# Templates


@dataclass(frozen=True)
class TemplateView:
    """A system or an account template, as the API shows either."""

    id: uuid.UUID
    system: bool
    name: str
    stage: str
    locale: str
    source: TemplateSource
    created_at: datetime | None = None
    updated_at: datetime | None = None


def _system_view(template: templates.SystemTemplate) -> TemplateView:
    return TemplateView(
        template.id, True, template.name, template.stage, template.locale, template.source
    )


def _account_view(row: EmailTemplate) -> TemplateView:
    source = TemplateSource(row.subject, row.html_body, row.text_body)
    return TemplateView(
        row.id, False, row.name, row.stage, row.locale, source, row.created_at, row.updated_at
    )


def template_out(view: TemplateView) -> schemas.EmailTemplate:
    return schemas.EmailTemplate(
        id=view.id,
        system=view.system,
        name=view.name,
        stage=cast(schemas.Stage, view.stage),
        template_stage=cast(schemas.Stage, view.stage),
        locale=view.locale,
        subject=view.source.subject,
        html_body=view.source.html_body,
        text_body=view.source.text_body,
        created_at=view.created_at,
        updated_at=view.updated_at,
    )


def _account_templates(tenant: Tenant) -> Select[EmailTemplate]:
    return select(EmailTemplate).where(tenant_rows(EmailTemplate, tenant))


def check_template(source: TemplateSource, locale: str) -> None:
    """Refuse a template that does not compile or does not render the sample invoice: 422
    naming the part and line."""
    try:
        templates.render(source, sample_context(templates.language_of(locale)))
    except TemplateProblem as problem:
        raise _refused("The template does not render", problem) from None


def _refused(what: str, problem: TemplateProblem) -> ValidationFailed:
    return ValidationFailed(f"{what}: {problem}", [ErrorDetail(problem.part, problem.detail)])


async def get_template(
    session: AsyncSession, tenant: Tenant, template_id: uuid.UUID
) -> TemplateView:
    system = templates.system_templates().get(template_id)
    if system is not None:
        return _system_view(system)
    return _account_view(await _account_template(session, tenant, template_id))


async def _account_template(
    session: AsyncSession, tenant: Tenant, template_id: uuid.UUID
) -> EmailTemplate:
    row = (
        await session.execute(_account_templates(tenant).where(EmailTemplate.id == template_id))
    ).scalar_one_or_none()
    if row is None:
        if template_id in templates.system_templates():
            raise InvalidState("System templates cannot be changed: create one of your own")
        raise NotFound(f"No such email template: {template_id}")
    return row


async def list_templates(
    session: AsyncSession, tenant: Tenant, *, stage: str | None, locale: str | None
) -> list[TemplateView]:
    """The account's templates (newest first), then the system's (by stage and language)."""
    statement = _account_templates(tenant).order_by(EmailTemplate.id.desc())
    if stage is not None:
        statement = statement.where(EmailTemplate.stage == stage)
    rows = (await session.execute(statement)).scalars().all()
    found = [_account_view(row) for row in rows]
    language = templates.language_of(locale) if locale else None
    if language is not None:
        found = [view for view in found if templates.language_of(view.locale) == language]
    for system in templates.system_templates().values():
        if (stage is None or system.stage == stage) and language in (None, system.locale):
            found.append(_system_view(system))
    return found


async def create_template(
    session: AsyncSession, tenant: Tenant, data: schemas.EmailTemplateCreate
) -> TemplateView:
    source = TemplateSource(data.subject, data.html_body, data.text_body)
    check_template(source, data.locale)
    count = (
        await session.execute(_account_templates(tenant).with_only_columns(func.count()))
    ).scalar_one()
    if count >= MAX_ACCOUNT_TEMPLATES:
        raise InvalidState(f"An account keeps at most {MAX_ACCOUNT_TEMPLATES} templates per mode")
    row = EmailTemplate(
        id=uuid7(),
        account_id=tenant.account_id,
        livemode=tenant.livemode,
        name=data.name,
        stage=data.stage,
        locale=data.locale,
        subject=data.subject,
        html_body=data.html_body,
        text_body=data.text_body,
    )
    session.add(row)
    await session.flush()
    return _account_view(row)


async def update_template(
    session: AsyncSession,
    tenant: Tenant,
    template_id: uuid.UUID,
    changes: schemas.EmailTemplateUpdate,
) -> TemplateView:
    row = await _account_template(session, tenant, template_id)
    for name in ("name", "stage", "locale", "subject", "html_body", "text_body"):
        if name in changes.model_fields_set:
            setattr(row, name, getattr(changes, name))
    check_template(TemplateSource(row.subject, row.html_body, row.text_body), row.locale)
    row.updated_at = utcnow()
    await session.flush()
    return _account_view(row)


async def delete_template(session: AsyncSession, tenant: Tenant, template_id: uuid.UUID) -> None:
    """Messages that named it are rendered from their stage's template instead."""
    row = await _account_template(session, tenant, template_id)
    await session.delete(row)
    await session.flush()


async def template_for(
    session: AsyncSession, tenant: Tenant, template_id: uuid.UUID | None, stage: str, locale: str
) -> TemplateView:
    """The named template (gone: its stage's), else the account's newest of the stage in the
    language, else the system's."""
    if template_id is not None:
        try:
            return await get_template(session, tenant, template_id)
        except NotFound:
            pass
    language = templates.language_of(locale)
    rows = (
        await session.execute(
            _account_templates(tenant)
            .where(EmailTemplate.stage == stage)
            .order_by(EmailTemplate.id.desc())
        )
    ).scalars()
    for row in rows:
        if templates.language_of(row.locale) == language:
            return _account_view(row)
    return _system_view(templates.system_template(stage, language))


async def preview(
    session: AsyncSession, tenant: Tenant, template_id: uuid.UUID, document_id: uuid.UUID | None
) -> templates.Rendered:
    view = await get_template(session, tenant, template_id)
    if document_id is None:
        context = sample_context(templates.language_of(view.locale))
    else:
        shown = await documents_queries.shown_document(session, tenant, document_id)
        customer = await customers_service.get_customer(
            session, tenant, uuid.UUID(shown["customer_id"])
        )
        account = await accounts_service.get_account(session, tenant.account_id)
        _, greeted = recipients_of(customer, 0)
        context = context_of(shown, customer, account, greeted, view.stage)
    try:
        return templates.render(view.source, context)
    except TemplateProblem as problem:
        raise _refused("The template does not render this document", problem) from None


def context_of(
    shown: Mapping[str, Any],
    customer: Party,
    account: Account,
    contact: Contact | None,
    stage: str,
    escalation_level: int = 0,
    payment_link_url: str | None = None,
) -> dict[str, Any]:
    """The template variables for a document as the API shows it (`shown`)."""
    return template_context(
        shown,
        customer_vars(customer),
        contact_vars(contact),
        account_vars(account),
        message_locale(shown, customer, account),
        stage=stage,
        escalation_level=escalation_level,
        payment_link_url=payment_link_url,
    )


# Sending


def _message_id_header(message_id: uuid.UUID, sender: str) -> str:
    domain = sender.rsplit("@", 1)[-1] if "@" in sender else "faktura.invalid"
    return f"<{message_id}@{domain}>"


def sender_address(settings: Settings, email_settings: EmailSettingsData) -> str:
    return email_settings.get("from_address") or settings.smtp_from


async def _check_template_id(
    session: AsyncSession, tenant: Tenant, template_id: uuid.UUID | None
) -> str | None:
    """The stage of the named template (404 when it is not the account's or the system's)."""
    if template_id is None:
        return None
    try:
        return (await get_template(session, tenant, template_id)).stage
    except NotFound as exc:
        raise NotFound(f"template_id: no such email template {template_id}") from exc


def _message_values(
    tenant: Tenant,
    document_id: uuid.UUID,
    customer_id: uuid.UUID | None,
    *,
    sender: str,
    stage: str,
    template_id: uuid.UUID | None,
    origin: str,
    scheduled_at: datetime,
    to: list[str] | None = None,
    cc: list[str] | None = None,
    cc_self: bool = False,
    attach_pdf: bool = True,
    reminder_key: str | None = None,
    escalation_level: int = 0,
    payment_link_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """A new message's row, due at `scheduled_at` (now if that has passed)."""
    message_id = uuid7()
    now = utcnow()
    due = max(scheduled_at, now)
    return {
        "id": message_id,
        "account_id": tenant.account_id,
        "livemode": tenant.livemode,
        "document_id": document_id,
        "customer_id": customer_id,
        "template_id": template_id,
        "stage": stage,
        "origin": origin,
        "reminder_key": reminder_key,
        "escalation_level": escalation_level,
        "status": SCHEDULED if due > now else QUEUED,
        "to_given": to,
        "cc_given": cc or [],
        "cc_self": cc_self,
        "attach_pdf": attach_pdf,
        "payment_link_id": payment_link_id,
        "to_addresses": [],
        "cc_addresses": [],
        "message_id_header": _message_id_header(message_id, sender),
        "scheduled_at": due,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }


def _delivery_job(values: Mapping[str, Any]) -> dict[str, Any]:
    """The bound values of the message's delivery job (`jobs.job_values`)."""
    return jobs.job_values(
        DELIVER_KIND,
        {"message_id": str(values["id"])},
        tenant=Tenant(values["account_id"], values["livemode"]),
        run_at=values["scheduled_at"],
        dedupe_key=f"message:{values['id']}",
    )


# The statements that write a message, built once and run with bound values (`_bound`):
# making a statement cost more than running it. These are the columns of `_message_values`
# but the customer, which `_WRITE_ISSUED` reads from the document.
_MESSAGE_COLUMNS = (
    "id",
    "account_id",
    "livemode",
    "document_id",
    "template_id",
    "stage",
    "origin",
    "reminder_key",
    "escalation_level",
    "status",
    "to_given",
    "cc_given",
    "cc_self",
    "attach_pdf",
    "payment_link_id",
    "to_addresses",
    "cc_addresses",
    "message_id_header",
    "scheduled_at",
    "attempts",
    "created_at",
    "updated_at",
)


_MESSAGES = cast(Table, Message.__table__)


def _binds(names: tuple[str, ...]) -> list[Any]:
    return bind_columns(_MESSAGES, names, "message_")


_INSERT_MESSAGE = insert(_MESSAGES).values(
    dict(
        zip(
            ("customer_id", *_MESSAGE_COLUMNS),
            _binds(("customer_id", *_MESSAGE_COLUMNS)),
            strict=True,
        )
    )
)
_HEAD = documents_queries.issued_head().subquery("head")
_WRITE_ISSUED = (
    insert(_MESSAGES)
    .from_select(
        [*_MESSAGE_COLUMNS, "customer_id"],
        select(*_binds(_MESSAGE_COLUMNS), _HEAD.c.customer_id),
    )
    .returning(_MESSAGES.c.customer_id)
)
_WRITTEN = _WRITE_ISSUED.cte("message")
# PostgreSQL: the document's row locked and read, the message and its job written, at once.
_WRITE_ISSUED_WITH_JOB = select(_WRITTEN.c.customer_id).add_cte(
    jobs.enqueue_for_each(_WRITTEN).cte("job")
)


def _bound(values: Mapping[str, Any]) -> dict[str, Any]:
    return bind_values(values, "message_")


async def new_message(
    session: AsyncSession,
    tenant: Tenant,
    document_id: uuid.UUID,
    customer_id: uuid.UUID,
    **options: Any,
) -> Message:
    """The message row and its delivery job (`_message_values` names the options), written in
    the caller's transaction by two INSERTs (no unit of work: a send writes nothing else); the
    message is returned as written, not added to the session."""
    values = _message_values(tenant, document_id, customer_id, **options)
    await session.execute(_INSERT_MESSAGE, _bound(values))
    await jobs.enqueue_now(session, _delivery_job(values))
    return Message(**values)


async def _send_issued(
    session: AsyncSession,
    tenant: Tenant,
    doc_type: str,
    document_id: uuid.UUID,
    **options: Any,
) -> Message | None:
    """The message about an issued document that is not cancelled, written as the document's
    row is locked and read: the head, the message and its job in one statement on PostgreSQL
    (data-modifying common tables), two on SQLite (whose write transaction holds the database
    already). None, having written nothing, for any other document: the caller finds out why
    (not found, cancelled) or issues the draft."""
    values = _message_values(tenant, document_id, None, **options)
    bound = {
        **documents_queries.issued_head_values(tenant, document_id, doc_type),
        **_bound({name: values[name] for name in _MESSAGE_COLUMNS}),
    }
    together = session.get_bind().dialect.name == "postgresql"
    if together:
        found = await session.execute(_WRITE_ISSUED_WITH_JOB, {**bound, **_delivery_job(values)})
    else:
        found = await session.execute(_WRITE_ISSUED, bound)
    row = found.first()
    if row is None:
        return None
    if not together:
        await jobs.enqueue_now(session, _delivery_job(values))
    return Message(**{**values, "customer_id": row.customer_id})


async def send_document(
    session: AsyncSession,
    tenant: Tenant,
    settings: Settings,
    doc_type: str,
    document_id: uuid.UUID,
    request: schemas.SendRequest,
) -> Message:
    """Email a document now or at `scheduled_date`; a draft is issued (numbered) first."""
    scheduled_at = request.scheduled_date or utcnow()
    options: dict[str, Any] = {
        "sender": settings.smtp_from,
        "origin": "send",
        "scheduled_at": scheduled_at,
        "to": [str(address) for address in request.to] if request.to else None,
        "cc": [str(address) for address in request.cc],
        "cc_self": request.cc_self,
        "attach_pdf": request.attach_pdf,
    }
    if request.template_id is None and not request.include_payment_link:
        sent = await _send_issued(
            session,
            tenant,
            doc_type,
            document_id,
            stage=templates.STAGE_OF_TYPE[doc_type],
            template_id=None,
            **options,
        )
        if sent is not None:
            return sent
    head = await documents_queries.locked_head(session, tenant, document_id, doc_type)
    if head.status == DocumentStatus.CANCELLED:
        raise InvalidState(f"This {documents_service.label(doc_type)} is cancelled")
    template_stage = await _check_template_id(session, tenant, request.template_id)
    if request.include_payment_link and doc_type != "invoice":
        raise ValidationFailed.on_field("include_payment_link", "only an invoice can be paid")
    if head.status == DocumentStatus.DRAFT:
        await documents_service.finalize_document(session, tenant, doc_type, head.id)
    link_id = None
    if request.include_payment_link:
        link_id = await _payment_link(session, tenant, settings, head.id, options["scheduled_at"])
    return await new_message(
        session,
        tenant,
        head.id,
        head.customer_id,
        stage=template_stage or templates.STAGE_OF_TYPE[doc_type],
        template_id=request.template_id,
        payment_link_id=link_id,
        **options,
    )


async def _payment_link(
    session: AsyncSession,
    tenant: Tenant,
    settings: Settings,
    invoice_id: uuid.UUID,
    scheduled_at: datetime,
) -> uuid.UUID:
    """A link for the invoice's amount due, valid 72 hours from when the message goes out."""
    waiting = max(scheduled_at - utcnow(), timedelta(0))
    hours = DEFAULT_EXPIRY_HOURS + math.ceil(waiting / timedelta(hours=1))
    link = await payment_links_service.create_link(
        session,
        tenant,
        settings,
        PaymentLinkCreate(document_id=invoice_id, expiry_hours=min(hours, MAX_EXPIRY_HOURS)),
    )
    return link.id


# Messages


def _messages(tenant: Tenant) -> Select[Message]:
    return select(Message).where(tenant_rows(Message, tenant))


async def get_message(
    session: AsyncSession, tenant: Tenant, message_id: uuid.UUID, *, for_update: bool = False
) -> Message:
    statement = _messages(tenant).where(Message.id == message_id)
    if for_update:
        statement = statement.with_for_update()
    found = (await session.execute(statement)).scalar_one_or_none()
    if found is None:
        raise NotFound(f"No such message: {message_id}")
    return found


@dataclass(frozen=True)
class MessageFilters:
    document_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    status: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None


async def list_messages(
    session: AsyncSession, tenant: Tenant, filters: MessageFilters, params: PageParams
) -> Page[Message]:
    statement = _messages(tenant)
    if filters.document_id is not None:
        statement = statement.where(Message.document_id == filters.document_id)
    if filters.customer_id is not None:
        statement = statement.where(Message.customer_id == filters.customer_id)
    if filters.status is not None:
        statement = statement.where(Message.status == filters.status)
    if filters.created_from is not None:
        statement = statement.where(Message.created_at >= filters.created_from)
    if filters.created_to is not None:
        statement = statement.where(Message.created_at < filters.created_to)
    return await paginate(session, statement, Message.id, params)


async def cancel_message(session: AsyncSession, tenant: Tenant, message_id: uuid.UUID) -> Message:
    message = await get_message(session, tenant, message_id, for_update=True)
    if message.status not in WAITING:
        raise InvalidState(
            f"Only a scheduled or queued message can be cancelled; this one is {message.status}"
        )
    message.status = CANCELLED
    message.error = "cancelled through the API"
    message.updated_at = utcnow()
    await session.flush()
    return message


# Suppressed addresses


def _suppressions(tenant: Tenant) -> Select[Suppression]:
    return select(Suppression).where(tenant_rows(Suppression, tenant))


async def suppressed_among(session: AsyncSession, tenant: Tenant, addresses: list[str]) -> set[str]:
    if not addresses:
        return set()
    wanted = [address.lower() for address in addresses]
    rows = await session.execute(
        _suppressions(tenant)
        .with_only_columns(Suppression.email)
        .where(Suppression.email.in_(wanted))
    )
    return set(rows.scalars())


async def suppress(
    session: AsyncSession, tenant: Tenant, address: str, reason: str, message_id: uuid.UUID | None
) -> Suppression:
    """Mark an address undeliverable (a second bounce keeps the first record)."""
    email = address.lower()
    found = (
        await session.execute(_suppressions(tenant).where(Suppression.email == email))
    ).scalar_one_or_none()
    if found is not None:
        return found
    row = Suppression(
        id=uuid7(),
        account_id=tenant.account_id,
        livemode=tenant.livemode,
        email=email,
        reason=reason[:2000],
        message_id=message_id,
        created_at=utcnow(),
    )
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:  # suppressed by a concurrent bounce meanwhile
        return (
            await session.execute(_suppressions(tenant).where(Suppression.email == email))
        ).scalar_one()
    return row


async def list_suppressions(
    session: AsyncSession, tenant: Tenant, params: PageParams, email: str | None
) -> Page[Suppression]:
    statement = _suppressions(tenant)
    if email is not None:
        statement = statement.where(Suppression.email == email.lower())
    return await paginate(session, statement, Suppression.id, params)


async def unsuppress(session: AsyncSession, tenant: Tenant, email: str) -> None:
    removed = await session.execute(
        delete(Suppression)
        .where(tenant_rows(Suppression, tenant), Suppression.email == email.lower())
        .execution_options(synchronize_session=False)
    )
    if not removed.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"{email} is not suppressed")


# Account settings


def email_settings_out(data: EmailSettingsData) -> schemas.EmailSettings:
    smtp = data.get("smtp")
    return schemas.EmailSettings(
        from_name=data.get("from_name"),
        from_address=data.get("from_address"),
        reply_to=data.get("reply_to"),
        smtp=schemas.Smtp(
            url=smtp["url"],
            username=smtp.get("username"),
            password_set=bool(smtp.get("password_encrypted")),
        )
        if smtp
        else None,
    )


async def update_email_settings(
    session: AsyncSession, tenant: Tenant, settings: Settings, changes: schemas.EmailSettingsUpdate
) -> EmailSettingsData:
    """Only the fields given change; an smtp given without a password keeps the stored one
    when the server is the same."""
    account = await accounts_service.get_account(session, tenant.account_id)
    current = dict(account.email_settings)
    given = changes.model_fields_set
    for name in ("from_name", "from_address", "reply_to"):
        if name in given:
            value = getattr(changes, name)
            if value is None:
                current.pop(name, None)
            else:
                current[name] = str(value)
    if "smtp" in given:
        if changes.smtp is None:
            current.pop("smtp", None)
        else:
            before = cast(SmtpData, current.get("smtp") or {})
            smtp: SmtpData = {"url": changes.smtp.url}
            if changes.smtp.username:
                smtp["username"] = changes.smtp.username
            if changes.smtp.password:
                smtp["password_encrypted"] = secrets.encrypt(settings, changes.smtp.password)
            elif before.get("url") == changes.smtp.url and before.get("password_encrypted"):
                smtp["password_encrypted"] = before["password_encrypted"]
            current["smtp"] = smtp
    await accounts_service.set_email_settings(session, tenant, cast(EmailSettingsData, current))
    return cast(EmailSettingsData, current)


def reminders_out(data: RemindersData, timezone: str) -> schemas.Reminders:
    return schemas.Reminders(
        enabled=data.get("enabled", False),
        send_hour=data.get("send_hour", 9),
        timezone=timezone,
        steps=[
            schemas.ReminderStep(
                id=step["id"],
                offset_days=step["offset_days"],
                stage=cast(schemas.Stage | None, step.get("stage")),
                template_id=uuid.UUID(step["template_id"]) if step.get("template_id") else None,
                escalation_level=step.get("escalation_level", 0),
            )
            for step in data.get("steps", [])
        ],
    )


async def set_reminders(
    session: AsyncSession, tenant: Tenant, policy: schemas.RemindersUpdate
) -> RemindersData:
    steps: list[ReminderStepData] = []
    for step in sorted(policy.steps, key=lambda step: step.offset_days):
        await _check_template_id(session, tenant, step.template_id)
        entry: ReminderStepData = {
            "id": step.id or f"d{step.offset_days:+d}",
            "offset_days": step.offset_days,
            "escalation_level": step.escalation_level,
        }
        if step.template_id is not None:
            entry["template_id"] = str(step.template_id)
        else:
            entry["stage"] = step.stage or templates.reminder_stage(step.offset_days)
        steps.append(entry)
    ids = [step["id"] for step in steps]
    if len(set(ids)) != len(ids):
        raise ValidationFailed.on_field("steps", "two steps have the same id")
    data: RemindersData = {"enabled": policy.enabled, "send_hour": policy.send_hour, "steps": steps}
    await accounts_service.set_reminders(session, tenant, data)
    return data


async def record_message_event(
    session: AsyncSession, tenant: Tenant, message: Message, action: str
) -> None:
    await record_event(
        session,
        tenant,
        f"message.{action}",
        "message",
        message.id,
        {"object": schemas.message_out(message).model_dump(mode="json")},
    )
