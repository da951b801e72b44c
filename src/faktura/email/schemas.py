"""What the email endpoints take and answer."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import EmailStr, Field, StrictBool, StrictInt, field_validator, model_validator

from faktura.api.schemas import InputModel, OutputModel
from faktura.core.types import NEVER_NULL, Locale, MultilineText, Text, field_error, named

Stage = Annotated[
    Literal[
        "initial_send", "reminder", "overdue", "receipt", "quote", "credit_note", "payment_link"
    ],
    named("EmailStage", "When a template is used"),
]
MessageStatus = Annotated[
    Literal[
        "scheduled",
        "queued",
        "sending",
        "sent",
        "failed",
        "bounced",
        "suppressed",
        "cancelled",
        "captured",
    ],
    named("MessageStatus", "Where a message is: docs/email.md describes each status"),
]
_STAGE = (
    "When the template is used: initial_send (an invoice), reminder (before or on the due "
    "date), overdue, receipt, quote, credit_note, payment_link"
)
_SOURCE = "Jinja2 (sandboxed); the variables are in docs/email.md"
MAX_TEMPLATE = 100_000
MAX_RECIPIENTS = 20


# Templates


class EmailTemplateCreate(InputModel):
    name: Text = Field(min_length=1, max_length=200, description="What the template is for")
    stage: Stage = Field(description=_STAGE)
    locale: Locale = Field("en", description="Language of the template, e.g. he or el-GR")
    subject: Text = Field(min_length=1, max_length=2000, description=f"Subject line; {_SOURCE}")
    html_body: MultilineText = Field(
        min_length=1, max_length=MAX_TEMPLATE, description=f"HTML body; {_SOURCE}"
    )
    text_body: MultilineText | None = Field(
        None,
        max_length=MAX_TEMPLATE,
        description=f"Plain-text body; {_SOURCE}. Omitted: made from the HTML",
    )


class EmailTemplateUpdate(InputModel):
    name: Annotated[Text | None, NEVER_NULL] = Field(
        None, min_length=1, max_length=200, description="What the template is for"
    )
    stage: Annotated[Stage | None, NEVER_NULL] = Field(None, description=_STAGE)
    locale: Annotated[Locale | None, NEVER_NULL] = Field(None, description="Language")
    subject: Annotated[Text | None, NEVER_NULL] = Field(
        None, min_length=1, max_length=2000, description="Subject line"
    )
    html_body: Annotated[MultilineText | None, NEVER_NULL] = Field(
        None, min_length=1, max_length=MAX_TEMPLATE, description="HTML body"
    )
    text_body: MultilineText | None = Field(
        None, max_length=MAX_TEMPLATE, description="Plain-text body; null: made from the HTML"
    )


class EmailTemplate(OutputModel):
    id: uuid.UUID = Field(description="Template id (a system template's never changes)")
    object: Literal["email_template"] = "email_template"
    system: bool = Field(description="A template of Faktura's (read-only) or the account's own")
    type: Literal["email"] = Field("email", description="Always email (seed 003)")
    name: str = Field(description="What the template is for")
    stage: Stage = Field(description=_STAGE)
    template_stage: Stage = Field(description="The stage again, under seed 003's name")
    locale: str = Field(description="Language of the template")
    subject: str = Field(description="Subject line (Jinja2 source)")
    html_body: str = Field(description="HTML body (Jinja2 source)")
    text_body: str | None = Field(description="Plain-text body (Jinja2 source); null: from HTML")
    created_at: datetime | None = Field(description="Creation time; null for system templates")
    updated_at: datetime | None = Field(description="Last change; null for system templates")


class EmailTemplateDeleted(OutputModel):
    id: uuid.UUID = Field(description="The template's id")
    object: Literal["email_template"] = "email_template"
    deleted: Literal[True] = Field(True, description="Always true")


class TemplatePreviewRequest(InputModel):
    document_id: uuid.UUID | None = Field(
        None, description="A document of the account to render with; the sample invoice if omitted"
    )


class TemplatePreview(OutputModel):
    object: Literal["email_preview"] = "email_preview"
    subject: str = Field(description="Rendered subject")
    html_body: str = Field(description="Rendered HTML")
    text_body: str = Field(
        description="Rendered text (made from the HTML if the template has none)"
    )


# Sending and messages


class SendRequest(InputModel):
    template_id: uuid.UUID | None = Field(
        None,
        description="A system or account template; omitted: the account's template of the "
        "document type's stage in the document's language, else the system's",
    )
    to: list[EmailStr] | None = Field(
        None,
        min_length=1,
        max_length=MAX_RECIPIENTS,
        description="Recipients; omitted: the customer's primary contact (else the customer's "
        "email), looked up when the message goes out",
    )
    cc: list[EmailStr] = Field(
        default_factory=list, max_length=MAX_RECIPIENTS, description="Copy recipients"
    )
    cc_self: StrictBool = Field(
        False, description="Copy the account (its reply-to address, else its email)"
    )
    scheduled_date: datetime | None = Field(
        None,
        description="When to send (ISO 8601 with offset); omitted, null or past: now",
    )
    attach_pdf: StrictBool = Field(True, description="Attach the document's PDF")
    include_payment_link: StrictBool = Field(
        False,
        description="Invoices: create a payment link for the amount due (valid 72 hours from "
        "when the message goes out) and print it in the message (`payment_link_url`)",
    )

    @model_validator(mode="after")
    def _aware(self) -> "SendRequest":
        if self.scheduled_date is not None and self.scheduled_date.tzinfo is None:
            raise field_error("scheduled_date", "give a time zone offset, e.g. Z or +02:00")
        return self


class SendAction(SendRequest):
    """seed 003's `POST /v1/invoices/{id}?action=send` body (pdf_base64 is ignored there)."""

    pdf_base64: str | None = Field(None, description="Ignored by send")


class Message(OutputModel):
    id: uuid.UUID = Field(description="Message id")
    object: Literal["message"] = "message"
    livemode: bool = Field(description="False for test mode: never sent through a real server")
    document_id: uuid.UUID = Field(description="The document the message is about")
    customer_id: uuid.UUID = Field(description="The customer it goes to")
    template_id: uuid.UUID | None = Field(description="The template it is rendered from")
    stage: Stage = Field(description=_STAGE)
    origin: Literal["send", "reminder"] = Field(
        description="send: asked for through the API; reminder: a step of the reminder policy"
    )
    reminder_step_id: str | None = Field(description="The reminder step, for reminders")
    status: MessageStatus = Field(
        description="scheduled (waits for scheduled_at), queued, sending (handed to the mail "
        "server), sent (the server accepted it), failed (a permanent error, or out of "
        "retries), bounced (the server refused every recipient for good), suppressed (every "
        "recipient had bounced before), cancelled, captured (test mode: rendered, not sent)"
    )
    to: list[str] | None = Field(
        description="Recipients: those given, or those it went to; null while they are to be "
        "looked up from the customer when it goes out"
    )
    cc: list[str] = Field(description="Copy recipients")
    cc_self: bool = Field(description="Whether the account is copied")
    from_address: str | None = Field(description="From header, once rendered")
    reply_to: str | None = Field(description="Reply-To header, once rendered")
    subject: str | None = Field(description="Subject, once rendered")
    html_body: str | None = Field(description="HTML body, once rendered")
    text_body: str | None = Field(description="Text body, once rendered")
    attach_pdf: bool = Field(description="Whether the PDF is attached")
    payment_link_id: uuid.UUID | None = Field(
        description="The payment link the message carries (include_payment_link)"
    )
    message_id: str = Field(
        description="The Message-ID header: the same on every attempt, so a receiver can drop a "
        "repeat"
    )
    scheduled_at: datetime = Field(description="When it is (or was) due to go out")
    sent_at: datetime | None = Field(description="When the mail server accepted it")
    attempts: int = Field(description="Conversations with the mail server so far")
    last_response: str | None = Field(description="The mail server's last answer")
    error: str | None = Field(description="Why it was not sent, when it was not")
    created_at: datetime = Field(description="Creation time (UTC)")
    updated_at: datetime = Field(description="Last change (UTC)")


class Suppression(OutputModel):
    id: uuid.UUID = Field(description="Suppression id")
    object: Literal["email_suppression"] = "email_suppression"
    email: str = Field(description="The address (lower case)")
    reason: str = Field(description="The mail server's refusal, or why it was added")
    message_id: uuid.UUID | None = Field(description="The message that bounced")
    created_at: datetime = Field(description="When it was suppressed")


class SuppressionCreate(InputModel):
    email: EmailStr = Field(description="An address to stop sending to (a bounce seen elsewhere)")
    reason: Text = Field("added through the API", min_length=1, max_length=500, description="Why")


class SuppressionDeleted(OutputModel):
    email: str = Field(description="The address; messages to it go out again")
    object: Literal["email_suppression"] = "email_suppression"
    deleted: Literal[True] = Field(True, description="Always true")


# Account settings


class SmtpIn(InputModel):
    url: str = Field(
        max_length=500,
        pattern=r"^smtps?://[^\u0000-\u001f\u007f]+$",
        description="smtp://host:587 (STARTTLS when offered) or smtps://host:465",
    )
    username: Text | None = Field(None, max_length=320, description="Login")
    password: str | None = Field(
        None, max_length=500, description="Password: stored encrypted, never returned"
    )

    @field_validator("url")
    @classmethod
    def _no_credentials(cls, value: str) -> str:
        if "@" in value.split("://", 1)[1].split("/", 1)[0]:
            raise field_error("url", "give the login as username and password, not in the URL")
        return value


class Smtp(OutputModel):
    url: str = Field(description="The account's mail server")
    username: str | None = Field(description="Login")
    password_set: bool = Field(description="Whether a password is stored (it is never shown)")


class EmailSettingsUpdate(InputModel):
    from_name: Text | None = Field(
        None, max_length=200, description="Display name of the sender; null: the account's name"
    )
    from_address: EmailStr | None = Field(
        None,
        description="Sender address; null: FAKTURA_SMTP_FROM. Your mail server must be allowed "
        "to send for its domain (SPF, DKIM)",
    )
    reply_to: EmailStr | None = Field(
        None, description="Where replies go; null: the account's email"
    )
    smtp: SmtpIn | None = Field(
        None, description="The account's own mail server for live mode; null: the server's"
    )


class EmailSettings(OutputModel):
    object: Literal["email_settings"] = "email_settings"
    from_name: str | None = Field(description="Display name of the sender")
    from_address: str | None = Field(description="Sender address; null: the server's")
    reply_to: str | None = Field(description="Reply-To; null: the account's email")
    smtp: Smtp | None = Field(description="The account's own mail server; null: the server's")


class ReminderStepIn(InputModel):
    id: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Keep a step's id to keep its history (a step is sent once per invoice); "
        "omitted: made from the offset",
    )
    offset_days: StrictInt = Field(
        ge=-365, le=365, description="Days from the due date; negative: before it"
    )
    stage: Stage | None = Field(
        None,
        description="Template stage; default: reminder before or on the due date, overdue after",
    )
    template_id: uuid.UUID | None = Field(None, description="A template instead of a stage")
    escalation_level: StrictInt = Field(
        0,
        ge=0,
        le=10,
        description="Goes to the primary contact and the contacts of this level or lower",
    )

    @model_validator(mode="after")
    def _one_source(self) -> "ReminderStepIn":
        if self.stage is not None and self.template_id is not None:
            raise field_error("template_id", "give a stage or a template_id, not both")
        return self


class ReminderStep(OutputModel):
    id: str = Field(description="Step id")
    offset_days: int = Field(description="Days from the due date; negative: before it")
    stage: Stage | None = Field(description="Template stage")
    template_id: uuid.UUID | None = Field(description="Template, when one is named")
    escalation_level: int = Field(description="Highest contact level it goes to")


class RemindersUpdate(InputModel):
    enabled: StrictBool = Field(True, description="Whether reminders are sent")
    send_hour: StrictInt = Field(
        9, ge=0, le=23, description="Hour of the day they go out, in the account's time zone"
    )
    steps: list[ReminderStepIn] = Field(
        default_factory=list, max_length=20, description="The steps (replaced whole)"
    )

    @model_validator(mode="after")
    def _distinct(self) -> "RemindersUpdate":
        offsets = [step.offset_days for step in self.steps]
        if len(set(offsets)) != len(offsets):
            raise field_error("steps", "two steps have the same offset_days")
        ids = [step.id for step in self.steps if step.id is not None]
        if len(set(ids)) != len(ids):
            raise field_error("steps", "two steps have the same id")
        return self


class Reminders(OutputModel):
    object: Literal["reminder_policy"] = "reminder_policy"
    enabled: bool = Field(description="Whether reminders are sent")
    send_hour: int = Field(description="Hour they go out, in the account's time zone")
    timezone: str = Field(description="The account's time zone")
    steps: list[ReminderStep] = Field(description="The steps, by offset")


def message_out(message: Any) -> Message:
    to = message.to_addresses or message.to_given
    return Message(
        id=message.id,
        livemode=message.livemode,
        document_id=message.document_id,
        customer_id=message.customer_id,
        template_id=message.template_id,
        stage=message.stage,
        origin=message.origin,
        reminder_step_id=message.reminder_key.split(":", 1)[1] if message.reminder_key else None,
        status=message.status,
        to=list(to) if to else None,
        cc=list(message.cc_addresses or message.cc_given or []),
        cc_self=message.cc_self,
        from_address=message.from_address,
        reply_to=message.reply_to,
        subject=message.subject,
        html_body=message.html_body,
        text_body=message.text_body,
        attach_pdf=message.attach_pdf,
        payment_link_id=message.payment_link_id,
        message_id=message.message_id_header,
        scheduled_at=message.scheduled_at,
        sent_at=message.sent_at,
        attempts=message.attempts,
        last_response=message.last_response,
        error=message.error,
        created_at=message.created_at,
        updated_at=message.updated_at,
    )
