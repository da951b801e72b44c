"""Sending documents, the messages, the templates, suppressed addresses and the account's email
settings and reminder policy."""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from faktura.accounts import service as accounts_service
from faktura.api.auth import Principal
from faktura.api.pagination import PageParams, page_params
from faktura.api.responses import json_response
from faktura.api.router import api_router
from faktura.api.routing import error_responses, get_session, require_scope
from faktura.api.runtime import runtime_of
from faktura.api.schemas import ListResponse
from faktura.core.errors import ValidationFailed
from faktura.core.types import LOCALE_PATTERN, IsoDate
from faktura.documents import schemas as documents_schemas
from faktura.documents.output import PATHS
from faktura.documents.service import label
from faktura.documents.status import a as article
from faktura.email import schemas, service
from faktura.email.schemas import MessageStatus, Stage
from faktura.pdfs.routes import ACTIONS_409, act, store_of
from faktura.pdfs.schemas import PdfActionName, pdf_base64_problem

router = api_router("email")
read = require_scope("documents:read")
write = require_scope("documents:write")

MessageId = Annotated[uuid.UUID, Path(description="Id of the message")]
TemplateId = Annotated[
    uuid.UUID, Path(description="Id of an email template: the account's or a system template")
]

_SEND_ERRORS = error_responses(409)
_SEND_DESCRIPTION = (
    "202 with the message, written in this request and sent by a background job after it. A "
    "draft is issued (numbered) first, in this request. Recipients not given are the customer's "
    "primary contact (else its email), looked up when the message goes out. 409 for a cancelled "
    "document; 404 for a template_id that is neither a system template nor the account's."
)


def _message(message: Any, status_code: int = 200) -> Response:
    return json_response(schemas.message_out(message), status_code=status_code)


async def _send(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    doc_type: str,
    document_id: uuid.UUID,
    body: schemas.SendRequest,
) -> Response:
    settings = runtime_of(request).settings
    message = await service.send_document(
        session, principal.tenant, settings, doc_type, document_id, body
    )
    return _message(message, 202)


def _add_routes(target: APIRouter, doc_type: str) -> None:
    path = f"/{PATHS[doc_type]}/{{document_id}}"
    name = label(doc_type)
    a_name = article(name)
    document_id_path = Path(description=f"Id of the {name}")

    @target.post(
        f"{path}/send",
        response_model=schemas.Message,
        status_code=202,
        responses=_SEND_ERRORS,
        summary=f"Email {a_name}",
        name=f"send_{doc_type}",
        description=_SEND_DESCRIPTION,
    )
    async def send(
        request: Request,
        document_id: Annotated[uuid.UUID, document_id_path],
        body: schemas.SendRequest,
        principal: Principal = Depends(write),
        session: AsyncSession = Depends(get_session),
    ) -> Response:
        return await _send(request, session, principal, doc_type, document_id, body)

    @target.post(
        path,
        response_model=documents_schemas.Document | schemas.Message,
        responses={**ACTIONS_409, 202: {"description": "send: the message (see …/send)"}},
        summary=f"Act on {a_name} (seed form of the PDF actions and of send)",
        name=f"action_{doc_type}",
        description=f"`POST /v1/{PATHS[doc_type]}/{{id}}?action=generate_pdf|upload_pdf|"
        "delete_pdf|send`: the same as `POST …/pdf` with that action (upload_pdf takes "
        "`pdf_base64` in the body), or `POST …/send` (the body's send fields) answering 202.",
    )
    async def action(
        request: Request,
        document_id: Annotated[uuid.UUID, document_id_path],
        action: Literal[PdfActionName, "send"] = Query(description="The action to take"),
        body: schemas.SendAction | None = None,
        principal: Principal = Depends(write),
        session: AsyncSession = Depends(get_session),
    ) -> Response:
        if action == "send":
            given = body or schemas.SendAction()
            sent = schemas.SendRequest(**given.model_dump(exclude={"pdf_base64"}))
            return await _send(request, session, principal, doc_type, document_id, sent)
        pdf_base64 = body.pdf_base64 if body is not None else None
        send_fields = set(body.model_fields_set) - {"pdf_base64"} if body else set()
        if send_fields:
            raise ValidationFailed.on_field(sorted(send_fields)[0], "only send takes it")
        problem = pdf_base64_problem(action, pdf_base64)
        if problem is not None:
            raise ValidationFailed.on_field("pdf_base64", problem)
        return await act(
            session, principal, store_of(request), doc_type, document_id, action, pdf_base64
        )


for _doc_type in PATHS:
    _add_routes(router, _doc_type)


# Messages


@router.get(
    "/messages",
    response_model=ListResponse[schemas.Message],
    summary="List messages",
    description="Every email Faktura wrote for this account and mode — sends, scheduled sends "
    "and reminders — newest first, whatever its status. Filter by document, customer, status "
    "or creation day; page with `page` or the `starting_after`/`ending_before` cursors. Needs "
    "`documents:read`.",
)
async def list_messages(
    params: PageParams = Depends(page_params),
    document_id: uuid.UUID | None = Query(None, description="Only this document's"),
    customer_id: uuid.UUID | None = Query(None, description="Only this customer's"),
    status: MessageStatus | None = Query(None, description="Only messages in this status"),
    created_from: IsoDate | None = Query(
        None, alias="from", description="Created on or after this day (UTC), `YYYY-MM-DD`"
    ),
    created_to: IsoDate | None = Query(
        None, alias="to", description="Created on or before this day (UTC), `YYYY-MM-DD`"
    ),
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    filters = service.MessageFilters(
        document_id=document_id,
        customer_id=customer_id,
        status=status,
        created_from=_day_start(created_from),
        created_to=_day_start(created_to + timedelta(days=1)) if created_to else None,
    )
    page = await service.list_messages(session, principal.tenant, filters, params)
    return json_response(page.as_response([schemas.message_out(m) for m in page.items]))


def _day_start(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(), UTC)


@router.get(
    "/messages/{message_id}",
    response_model=schemas.Message,
    summary="Retrieve a message",
    description="What went out, or will: sender, recipients, subject and bodies as rendered, "
    "its status, attempts and the mail server's last answer. Needs `documents:read`.",
)
async def retrieve_message(
    message_id: MessageId,
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    return _message(await service.get_message(session, principal.tenant, message_id))


@router.post(
    "/messages/{message_id}/cancel",
    response_model=schemas.Message,
    responses=error_responses(409),
    summary="Cancel a message before it goes",
    description="Only a scheduled or queued message: 409 once it is being sent or settled.",
)
async def cancel_message(
    message_id: MessageId,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    return _message(await service.cancel_message(session, principal.tenant, message_id))


# Templates


def _templates_page(views: list[service.TemplateView], params: PageParams) -> dict[str, Any]:
    """One page of a list kept in memory (system templates are no rows), paged as every list."""
    ids = [view.id for view in views]
    start = (params.page - 1) * params.per_page
    end = start + params.per_page
    if params.starting_after is not None:
        start = ids.index(params.starting_after) + 1 if params.starting_after in ids else len(ids)
        end = start + params.per_page
    elif params.ending_before is not None:
        end = ids.index(params.ending_before) if params.ending_before in ids else 0
        start = max(0, end - params.per_page)
    keyset = params.starting_after is not None or params.ending_before is not None
    return {
        "data": [service.template_out(view) for view in views[start:end]],
        "page": 1 if keyset else params.page,
        "per_page": params.per_page,
        "total": len(views),
        "has_more": start > 0 if params.ending_before is not None else end < len(views),
    }


@router.get(
    "/email_templates",
    response_model=ListResponse[schemas.EmailTemplate],
    summary="List email templates",
    description="The account's templates (newest first), then the system's (by stage and "
    "language).",
)
async def list_email_templates(
    params: PageParams = Depends(page_params),
    stage: Stage | None = Query(None, description="Only this stage's"),
    locale: str | None = Query(
        None, max_length=35, pattern=LOCALE_PATTERN, description="Only this language's"
    ),
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    views = await service.list_templates(session, principal.tenant, stage=stage, locale=locale)
    return json_response(_templates_page(views, params))


@router.get(
    "/templates",
    response_model=ListResponse[schemas.EmailTemplate],
    summary="List templates to send an invoice with (seed form)",
    description="Seed 003's list: the email templates of stage initial_send, the account's and "
    "the system's.",
)
async def list_send_templates(
    params: PageParams = Depends(page_params),
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    views = await service.list_templates(
        session, principal.tenant, stage="initial_send", locale=None
    )
    return json_response(_templates_page(views, params))


@router.post(
    "/email_templates",
    response_model=schemas.EmailTemplate,
    status_code=201,
    responses=error_responses(409),
    summary="Create an email template",
    description="Refused (422, naming the part and line) when it does not render the sample "
    "invoice: a syntax error, an unknown variable, unsafe attribute access. 409 past 200 "
    "templates.",
)
async def create_email_template(
    body: schemas.EmailTemplateCreate,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    view = await service.create_template(session, principal.tenant, body)
    return json_response(service.template_out(view), status_code=201)


@router.get(
    "/email_templates/{template_id}",
    response_model=schemas.EmailTemplate,
    summary="Retrieve an email template",
    description="One of the account's templates or a system template (read-only, fixed id). "
    "Needs `documents:read`.",
)
async def retrieve_email_template(
    template_id: TemplateId,
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    view = await service.get_template(session, principal.tenant, template_id)
    return json_response(service.template_out(view))


@router.patch(
    "/email_templates/{template_id}",
    response_model=schemas.EmailTemplate,
    responses=error_responses(409),
    summary="Update an email template",
    description="Only the fields given change; checked like a new one. 409 for a system template.",
)
async def update_email_template(
    template_id: TemplateId,
    body: schemas.EmailTemplateUpdate,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    view = await service.update_template(session, principal.tenant, template_id, body)
    return json_response(service.template_out(view))


@router.delete(
    "/email_templates/{template_id}",
    response_model=schemas.EmailTemplateDeleted,
    responses=error_responses(409),
    summary="Delete an email template",
    description="Messages and reminder steps that named it use their stage's template. 409 for "
    "a system template.",
)
async def delete_email_template(
    template_id: TemplateId,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    await service.delete_template(session, principal.tenant, template_id)
    return json_response(schemas.EmailTemplateDeleted(id=template_id))


@router.post(
    "/email_templates/{template_id}/preview",
    response_model=schemas.TemplatePreview,
    summary="Render an email template",
    description="With a document of the account, or the sample invoice. 422 when the template "
    "does not render that document.",
)
async def preview_email_template(
    template_id: TemplateId,
    body: schemas.TemplatePreviewRequest,
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    rendered = await service.preview(session, principal.tenant, template_id, body.document_id)
    return json_response(
        schemas.TemplatePreview(
            subject=rendered.subject, html_body=rendered.html_body, text_body=rendered.text_body
        )
    )


# Suppressed addresses


@router.get(
    "/email_suppressions",
    response_model=ListResponse[schemas.Suppression],
    summary="List suppressed addresses",
    description="Addresses a mail server refused for good: messages to them are `suppressed`.",
)
async def list_suppressions(
    params: PageParams = Depends(page_params),
    email: str | None = Query(None, max_length=320, description="Only this address"),
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    page = await service.list_suppressions(session, principal.tenant, params, email)
    return json_response(
        page.as_response([schemas.Suppression.model_validate(row) for row in page.items])
    )


@router.post(
    "/email_suppressions",
    response_model=schemas.Suppression,
    status_code=201,
    summary="Suppress an address",
    description="Stop sending to an address (a bounce your mail provider reported). Suppressing "
    "one already suppressed answers the existing record.",
)
async def create_suppression(
    body: schemas.SuppressionCreate,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    row = await service.suppress(session, principal.tenant, str(body.email), body.reason, None)
    return json_response(schemas.Suppression.model_validate(row), status_code=201)


@router.delete(
    "/email_suppressions/{email}",
    response_model=schemas.SuppressionDeleted,
    summary="Send to an address again",
    description="Removes the address from this mode's suppressed addresses, so later messages "
    "reach it again; messages already suppressed stay so. 404 when it is not suppressed. Needs "
    "`documents:write`.",
)
async def delete_suppression(
    email: Annotated[str, Path(description="The suppressed address, in any case")],
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    await service.unsuppress(session, principal.tenant, email)
    return json_response(schemas.SuppressionDeleted(email=email.lower()))


# The account's settings


@router.get(
    "/account/email_settings",
    response_model=schemas.EmailSettings,
    summary="Retrieve how documents are emailed",
    description="The account's sender name and address, reply-to, and its own SMTP server if "
    "any; the password is never shown, only whether one is set. Needs `account:read`.",
)
async def get_email_settings(
    principal: Principal = Depends(require_scope("account:read")),
    session: AsyncSession = Depends(get_session),
) -> Response:
    account = await accounts_service.get_account(session, principal.tenant.account_id)
    return json_response(service.email_settings_out(account.email_settings))


@router.patch(
    "/account/email_settings",
    response_model=schemas.EmailSettings,
    summary="Change how documents are emailed",
    description="Only the fields given change. The SMTP password is stored encrypted and never "
    "returned; an smtp given without a password keeps the stored one for the same URL. The "
    "account's server is used in live mode only.",
)
async def update_email_settings(
    request: Request,
    body: schemas.EmailSettingsUpdate,
    principal: Principal = Depends(require_scope("account:write")),
    session: AsyncSession = Depends(get_session),
) -> Response:
    data = await service.update_email_settings(
        session, principal.tenant, runtime_of(request).settings, body
    )
    return json_response(service.email_settings_out(data))


@router.get(
    "/account/reminders",
    response_model=schemas.Reminders,
    summary="Retrieve the reminder policy",
    description="Whether reminders are on, the hour they go out in the account's time zone, "
    "and the steps: each an offset in days from an invoice's due date, with its stage, "
    "template and escalation level. Needs `account:read`.",
)
async def get_reminders(
    principal: Principal = Depends(require_scope("account:read")),
    session: AsyncSession = Depends(get_session),
) -> Response:
    account = await accounts_service.get_account(session, principal.tenant.account_id)
    return json_response(service.reminders_out(account.reminders, account.timezone))


@router.put(
    "/account/reminders",
    response_model=schemas.Reminders,
    summary="Set the reminder policy",
    description="Replaces the policy. Each step is sent once per invoice (by its id: keep the "
    "ids of steps you keep), at `send_hour` in the account's time zone on the due date plus "
    "`offset_days`. 404 for a template_id that is not a template.",
)
async def set_reminders(
    body: schemas.RemindersUpdate,
    principal: Principal = Depends(require_scope("account:write")),
    session: AsyncSession = Depends(get_session),
) -> Response:
    data = await service.set_reminders(session, principal.tenant, body)
    account = await accounts_service.get_account(session, principal.tenant.account_id)
    return json_response(service.reminders_out(data, account.timezone))
