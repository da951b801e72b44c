"""/v1/invoices, /v1/quotes, /v1/credit_notes, /v1/receipts and /v1/documents.

One set of routes, made once per type: the four types share one implementation.
"""

import dataclasses
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from faktura.api.auth import Principal
from faktura.api.pagination import PageParams, page_params
from faktura.api.responses import json_response
from faktura.api.router import api_router
from faktura.api.routing import get_session, require_scope
from faktura.api.runtime import runtime_of
from faktura.api.schemas import DeletedResponse, ListResponse, NoFields
from faktura.core.errors import ValidationFailed
from faktura.core.types import IsoDate, Text
from faktura.documents import schemas, service
from faktura.documents.output import PATHS, document_out
from faktura.documents.status import STATUSES, DocumentType
from faktura.documents.status import a as article
from faktura.email import service as email_service
from faktura.email.schemas import SendRequest
from faktura.pdfs import service as pdfs_service
from faktura.pdfs.storage import file_store

router = api_router("documents")
read = require_scope("documents:read")
write = require_scope("documents:write")


def _out(document: Any) -> dict[str, Any]:
    return document_out(document)


async def list_filters(
    status: list[Text] | None = Query(
        None, description="Only these statuses; repeat or comma-separate for several"
    ),
    customer_id: uuid.UUID | None = Query(None, description="Only this customer's documents"),
    issued_from: IsoDate | None = Query(
        None, alias="from", description="Issue date on or after, `YYYY-MM-DD`"
    ),
    issued_to: IsoDate | None = Query(
        None, alias="to", description="Issue date on or before, `YYYY-MM-DD`"
    ),
    due_from: IsoDate | None = Query(None, description="Due date on or after, `YYYY-MM-DD`"),
    due_to: IsoDate | None = Query(None, description="Due date on or before, `YYYY-MM-DD`"),
    number: Text | None = Query(None, max_length=64, description="Exactly this number"),
    search: Text | None = Query(
        None, min_length=1, max_length=200, description="Substring of number or customer name"
    ),
) -> service.DocumentFilters:
    statuses = tuple(s for value in status or [] for s in value.split(",") if s)
    return service.DocumentFilters(
        statuses=statuses,
        customer_id=customer_id,
        issued_from=issued_from,
        issued_to=issued_to,
        due_from=due_from,
        due_to=due_to,
        number=number,
        search=search,
    )


def _check_statuses(filters: service.DocumentFilters, doc_type: str | None) -> None:
    allowed = (
        STATUSES[DocumentType(doc_type)]
        if doc_type
        else tuple(s for statuses in STATUSES.values() for s in statuses)
    )
    for value in filters.statuses:
        if value not in allowed:
            raise ValidationFailed.on_field("status", f"unknown status '{value}'")


async def _list(
    session: AsyncSession,
    principal: Principal,
    filters: service.DocumentFilters,
    doc_type: str | None,
    params: PageParams,
) -> Response:
    _check_statuses(filters, doc_type)
    filters = dataclasses.replace(filters, doc_type=doc_type)
    page = await service.list_documents(session, principal.tenant, filters, params)
    return json_response(page.as_response())


_CANCELLED_EVENT = (
    "records `{doc_type}.cancelled`, keeping the optional `reason` as `cancellation_reason`."
)
_CANCEL_DESCRIPTIONS = {
    "invoice": "Cancels a pending or overdue invoice and "
    + _CANCELLED_EVENT.format(doc_type="invoice")
    + " Any other status is 409 invalid_state: a draft is deleted instead, and an invoice "
    "with payments or credit notes is corrected with a credit note.",
    "quote": "Cancels a pending, accepted or declined quote and "
    + _CANCELLED_EVENT.format(doc_type="quote")
    + " A draft (delete it instead), a converted or an already cancelled quote is 409 "
    "invalid_state.",
    "receipt": "Cancels an issued receipt and "
    + _CANCELLED_EVENT.format(doc_type="receipt")
    + " A draft (delete it instead) or an already cancelled receipt is 409 invalid_state.",
}


def _add_routes(target: APIRouter, doc_type: str) -> None:
    path = f"/{PATHS[doc_type]}"
    name = service.label(doc_type)
    a_name = article(name)
    plural = PATHS[doc_type].replace("_", " ")
    document_id_path = Path(description=f"Id of the {name}")

    @target.post(
        path,
        response_model=schemas.Document,
        status_code=201,
        summary=f"Create {a_name}",
        name=f"create_{doc_type}",
        description="Issued and numbered at once, unless `status: draft` is given.",
    )
    async def create(
        request: Request,
        body: schemas.DocumentCreate,
        principal: Principal = Depends(write),
        session: AsyncSession = Depends(get_session),
    ) -> Response:
        document = await service.create_document(session, principal.tenant, doc_type, body)
        settings = runtime_of(request).settings
        if body.generate_pdf:
            document = await pdfs_service.generate(
                session, principal.tenant, file_store(settings), doc_type, document.id
            )
        if body.send_email:
            await email_service.send_document(
                session, principal.tenant, settings, doc_type, document.id, SendRequest()
            )
        return json_response(_out(document), status_code=201)

    @target.get(
        path,
        response_model=ListResponse[schemas.Document],
        summary=f"List {plural}",
        name=f"list_{PATHS[doc_type]}",
        description=f"The {plural} of this account and mode, newest first, drafts included. "
        "Filter by status, customer, issue or due date, number, or a search of number and "
        "customer name; page with `page` or the `starting_after`/`ending_before` cursors. "
        "Needs `documents:read`.",
    )
    async def list_of_type(
        params: PageParams = Depends(page_params),
        filters: service.DocumentFilters = Depends(list_filters),
        principal: Principal = Depends(read),
        session: AsyncSession = Depends(get_session),
    ) -> Response:
        return await _list(session, principal, filters, doc_type, params)

    @target.get(
        f"{path}/{{document_id}}",
        response_model=schemas.Document,
        summary=f"Retrieve {a_name}",
        name=f"retrieve_{doc_type}",
        description=f"The {name} with its lines and totals. The id of another type of "
        "document is 404. Needs `documents:read`.",
    )
    async def retrieve(
        document_id: Annotated[uuid.UUID, document_id_path],
        principal: Principal = Depends(read),
        session: AsyncSession = Depends(get_session),
    ) -> Response:
        return json_response(
            await service.read_document(session, principal.tenant, document_id, doc_type)
        )

    @target.patch(
        f"{path}/{{document_id}}",
        response_model=schemas.Document,
        summary=f"Update {a_name}",
        name=f"update_{doc_type}",
        responses={
            409: {
                "description": "invalid_state: an issued document keeps its lines, "
                "amounts, number, currency and customer"
            }
        },
        description="A draft changes freely. Once issued only notes, due_date and "
        "customer_address change (and, on imported documents, amount, amount_due and "
        "external_payment_amount).",
    )
    async def update(
        document_id: Annotated[uuid.UUID, document_id_path],
        body: schemas.DocumentUpdate,
        principal: Principal = Depends(write),
        session: AsyncSession = Depends(get_session),
    ) -> Response:
        document = await service.update_document(
            session, principal.tenant, doc_type, document_id, body
        )
        return json_response(_out(document))

    @target.delete(
        f"{path}/{{document_id}}",
        response_model=DeletedResponse,
        summary=f"Delete a draft {name}",
        name=f"delete_{doc_type}",
        responses={
            409: {"description": "invalid_state: issued documents are cancelled, not deleted"}
        },
        description=f"Deletes a draft {name} and records `{doc_type}.deleted`. "
        + (
            "An issued credit note is never deleted (409 invalid_state)."
            if doc_type == "credit_note"
            else f"An issued {name} is 409 invalid_state: cancel it instead."
        ),
    )
    async def delete(
        document_id: Annotated[uuid.UUID, document_id_path],
        principal: Principal = Depends(write),
        session: AsyncSession = Depends(get_session),
    ) -> Response:
        await service.delete_document(session, principal.tenant, doc_type, document_id)
        return json_response({"id": str(document_id), "deleted": True})

    @target.post(
        f"{path}/{{document_id}}/finalize",
        response_model=schemas.Document,
        summary=f"Issue a draft {name}",
        name=f"finalize_{doc_type}",
        description="Gives the draft its number from the gapless sequence.",
    )
    async def finalize(
        document_id: Annotated[uuid.UUID, document_id_path],
        body: NoFields | None = None,
        principal: Principal = Depends(write),
        session: AsyncSession = Depends(get_session),
    ) -> Response:
        document = await service.finalize_document(session, principal.tenant, doc_type, document_id)
        return json_response(_out(document))

    if doc_type != "credit_note":

        @target.post(
            f"{path}/{{document_id}}/cancel",
            response_model=schemas.Document,
            summary=f"Cancel {a_name}",
            name=f"cancel_{doc_type}",
            description=_CANCEL_DESCRIPTIONS[doc_type],
        )
        async def cancel(
            document_id: Annotated[uuid.UUID, document_id_path],
            body: schemas.DocumentCancel | None = None,
            principal: Principal = Depends(write),
            session: AsyncSession = Depends(get_session),
        ) -> Response:
            reason = body.reason if body is not None else None
            document = await service.cancel_document(
                session, principal.tenant, doc_type, document_id, reason
            )
            return json_response(_out(document))


for _doc_type in PATHS:
    _add_routes(router, _doc_type)


def _quote_action(action: str, outcome: str, summary: str) -> None:
    @router.post(
        f"/quotes/{{document_id}}/{action}",
        response_model=schemas.Document,
        summary=summary,
        name=f"{action}_quote",
        description=f"Only a pending quote is {outcome}: it becomes `{outcome}` and "
        f"`quote.{outcome}` is recorded. A quote in any other status is 409 invalid_state."
        + (
            " An accepted quote can then be converted into an invoice."
            if outcome == "accepted"
            else ""
        ),
    )
    async def respond(
        document_id: Annotated[uuid.UUID, Path(description="Id of the quote")],
        body: NoFields | None = None,
        principal: Principal = Depends(write),
        session: AsyncSession = Depends(get_session),
    ) -> Response:
        quote = await service.respond_to_quote(session, principal.tenant, document_id, outcome)
        return json_response(_out(quote))


_quote_action("accept", "accepted", "Accept a quote (records quote.accepted)")
_quote_action("decline", "declined", "Decline a quote")


@router.post(
    "/quotes/{document_id}/convert",
    response_model=schemas.Document,
    status_code=201,
    summary="Convert an accepted quote into an invoice",
    description="Creates and issues an invoice with the quote's lines; the two are "
    "linked through related_document_id.",
)
async def convert_quote(
    document_id: Annotated[uuid.UUID, Path(description="Id of the accepted quote")],
    body: NoFields | None = None,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    invoice = await service.convert_quote(session, principal.tenant, document_id)
    return json_response(_out(invoice), status_code=201)


@router.get(
    "/documents",
    response_model=ListResponse[schemas.Document],
    summary="List documents of every type",
    description="Invoices, quotes, credit notes and receipts together, newest first, with the "
    "filters of each type's list and `type` to narrow it; page with `page` or the "
    "`starting_after`/`ending_before` cursors. Needs `documents:read`.",
)
async def list_documents(
    params: PageParams = Depends(page_params),
    doc_type: schemas.DocumentType | None = Query(None, alias="type", description="Only this type"),
    filters: service.DocumentFilters = Depends(list_filters),
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    return await _list(session, principal, filters, doc_type, params)


@router.get(
    "/documents/{document_id}",
    response_model=schemas.Document,
    summary="Retrieve a document of any type",
    description="The document with this id whatever its type, as its own path shows it; "
    "`type` says which it is. Needs `documents:read`.",
)
async def retrieve_document(
    document_id: Annotated[uuid.UUID, Path(description="Id of the document")],
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    return json_response(await service.read_document(session, principal.tenant, document_id))
