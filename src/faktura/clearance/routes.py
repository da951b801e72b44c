"""GET, PUT and DELETE the account's clearance settings, start ITA's grant, and submit a
document again (docs/clearance.md)."""

import uuid
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from faktura.api.auth import Principal
from faktura.api.responses import json_response
from faktura.api.router import api_router
from faktura.api.routing import get_session, require_scope
from faktura.api.runtime import runtime_of
from faktura.clearance import schemas, service
from faktura.core.errors import NotFound
from faktura.documents import schemas as documents_schemas
from faktura.documents.output import PATHS, document_out
from faktura.documents.status import a as article
from faktura.documents.status import label

router = api_router("account")
documents_router = api_router("documents")


@router.get(
    "/account/clearance",
    response_model=schemas.ClearanceSettingsOut,
    summary="Show how this mode's documents are cleared",
    description="404 when the account clears nothing in this mode.",
)
async def get_clearance_settings(
    principal: Principal = Depends(require_scope("account:read")),
    session: AsyncSession = Depends(get_session),
) -> Response:
    row = await service.settings_of(session, principal.tenant)
    if row is None:
        raise NotFound("No clearance is configured for this mode")
    return json_response(schemas.settings_out(row))


@router.put(
    "/account/clearance",
    response_model=schemas.ClearanceSettingsOut,
    summary="Clear this mode's documents at a tax authority",
    description="Invoices and credit notes issued from now on are submitted by a job right "
    "after issue (docs/clearance.md). Credentials are write-only. A test-mode key clears at "
    "the sandbox only (production: 422).",
)
async def set_clearance_settings(
    request: Request,
    body: schemas.ClearanceSettingsIn,
    principal: Principal = Depends(require_scope("account:write")),
    session: AsyncSession = Depends(get_session),
) -> Response:
    settings = runtime_of(request).settings
    row = await service.set_settings(session, principal.tenant, settings, body)
    return json_response(schemas.settings_out(row))


@router.delete(
    "/account/clearance",
    response_model=schemas.ClearanceSettingsDeleted,
    summary="Stop clearing this mode's documents",
    description="Documents issued from now on are not cleared. 404 when none is configured.",
)
async def remove_clearance_settings(
    principal: Principal = Depends(require_scope("account:write")),
    session: AsyncSession = Depends(get_session),
) -> Response:
    await service.remove_settings(session, principal.tenant)
    return json_response(schemas.ClearanceSettingsDeleted())


@router.post(
    "/account/clearance/authorization",
    response_model=schemas.ClearanceAuthorization,
    responses={409: {"description": "invalid_state: il_ita clearance is not configured"}},
    summary="Start the account owner's grant of access to the Israel Tax Authority",
    description="Answers the URL to send the account owner to. ITA asks them to grant Faktura "
    "access and returns them to `redirect_uri` (register it with your ITA application), where "
    "Faktura keeps the tokens, encrypted, and refreshes them from then on. Each call starts a "
    "new grant; the one before can no longer complete.",
)
async def start_clearance_authorization(
    request: Request,
    principal: Principal = Depends(require_scope("account:write")),
    session: AsyncSession = Depends(get_session),
) -> Response:
    settings = runtime_of(request).settings
    url, redirect_uri = await service.start_authorization(session, principal.tenant, settings)
    return json_response(schemas.ClearanceAuthorization(url=url, redirect_uri=redirect_uri))


def _add_retry(doc_type: str) -> None:
    a_name = article(label(doc_type))

    @documents_router.post(
        f"/{PATHS[doc_type]}/{{document_id}}/clearance/retry",
        response_model=documents_schemas.Document,
        responses={
            409: {
                "description": "invalid_state: the clearance is not rejected or failed, or "
                "the account clears nothing in this mode"
            }
        },
        summary=f"Submit {a_name} to its tax authority again",
        name=f"retry_clearance_of_{doc_type}",
        description="For a clearance that is rejected or failed, once what the errors named "
        "is corrected: pending again, submitted by a job (which first asks the authority "
        "whether it has the document already).",
    )
    async def retry(
        document_id: Annotated[uuid.UUID, Path(description=f"Id of the {label(doc_type)}")],
        principal: Principal = Depends(require_scope("documents:write")),
        session: AsyncSession = Depends(get_session),
    ) -> Response:
        document = await service.submit_again(session, principal.tenant, doc_type, document_id)
        return json_response(document_out(document))


for _doc_type in service.CLEARED_TYPES["mydata"]:
    _add_retry(_doc_type)
