"""/v1/payment_links."""

import uuid

from fastapi import Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from faktura.api.auth import Principal
from faktura.api.pagination import PageParams, page_params
from faktura.api.responses import json_response
from faktura.api.router import api_router
from faktura.api.routing import error_responses, get_session, require_scope
from faktura.api.runtime import runtime_of
from faktura.api.schemas import ListResponse
from faktura.core.clock import utcnow
from faktura.payment_links import schemas, service
from faktura.payment_links.models import PaymentLink
from faktura.payment_links.schemas import LinkStatus

router = api_router("payment_links")
read = require_scope("payments:read")
write = require_scope("payments:write")


def _shown(request: Request, link: PaymentLink) -> schemas.PaymentLink:
    return schemas.link_out(link, runtime_of(request).settings.public_base_url, utcnow())


@router.post(
    "/payment_links",
    response_model=schemas.PaymentLink,
    status_code=201,
    responses=error_responses(409),
    summary="Create a payment link",
    description="A link to the hosted payment page of one issued invoice. 404 when the "
    "invoice is not this account's; 409 invalid_state for a draft, a paid, cancelled or "
    "disputed invoice, or a live-mode link while no live provider is configured; 422 when "
    "`amount` is above the amount due.",
)
async def create_link(
    request: Request,
    body: schemas.PaymentLinkCreate,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    settings = runtime_of(request).settings
    link = await service.create_link(session, principal.tenant, settings, body)
    return json_response(_shown(request, link), status_code=201)


@router.get(
    "/payment_links",
    response_model=ListResponse[schemas.PaymentLink],
    summary="List payment links",
)
async def list_links(
    request: Request,
    params: PageParams = Depends(page_params),
    document_id: uuid.UUID | None = Query(None, description="Only links of this invoice"),
    status: LinkStatus | None = Query(None, description="Only links in this status"),
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    filters = service.LinkFilters(document_id, status)
    page = await service.list_links(session, principal.tenant, filters, params)
    return json_response(page.as_response([_shown(request, link) for link in page.items]))


@router.get(
    "/payment_links/{link_id}",
    response_model=schemas.PaymentLink,
    summary="Retrieve a payment link",
)
async def retrieve_link(
    request: Request,
    link_id: uuid.UUID,
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    link = await service.get_link(session, principal.tenant, link_id)
    return json_response(_shown(request, link))


@router.post(
    "/payment_links/{link_id}/deactivate",
    response_model=schemas.PaymentLink,
    responses=error_responses(409),
    summary="Deactivate a payment link",
    description="The page stops taking payments and says so. Deactivating twice changes "
    "nothing; a completed link cannot be deactivated (409 invalid_state).",
)
async def deactivate_link(
    request: Request,
    link_id: uuid.UUID,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    settings = runtime_of(request).settings
    link = await service.deactivate_link(session, principal.tenant, settings, link_id)
    return json_response(_shown(request, link))
