"""/v1/payment_links."""

import uuid
from typing import Annotated, Literal

from fastapi import Depends, Path, Query, Request
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

LinkId = Annotated[uuid.UUID, Path(description="Id of the payment link")]
Provider = Annotated[
    Literal["stripe"], Path(description="The payment provider; `stripe` is the only one")
]


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
async def create_payment_link(
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
    description="Payment links of this account and mode, newest first; filter by invoice or "
    "status (`?status=expired` finds active links past `expires_at`). Page with `page` or the "
    "`starting_after`/`ending_before` cursors. Needs `payments:read`.",
)
async def list_payment_links(
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
    description="The link with its hosted page's `url` and its status as of now: `active`, "
    "`completed`, `expired` or `deactivated`. Needs `payments:read`.",
)
async def retrieve_payment_link(
    request: Request,
    link_id: LinkId,
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
async def deactivate_payment_link(
    request: Request,
    link_id: LinkId,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    settings = runtime_of(request).settings
    link = await service.deactivate_link(session, principal.tenant, settings, link_id)
    return json_response(_shown(request, link))


# An account's provider credentials


@router.get(
    "/account/payment_providers",
    response_model=schemas.ProviderAccountList,
    summary="List the payment providers configured for this mode",
    description="The providers whose credentials this mode holds, each with its `webhook_url`; "
    "of the secrets only the secret key's last four characters are shown. Not paged; the "
    "built-in test provider is not listed. Needs `account:read`.",
)
async def list_payment_providers(
    request: Request,
    principal: Principal = Depends(require_scope("account:read")),
    session: AsyncSession = Depends(get_session),
) -> Response:
    public_url = runtime_of(request).settings.public_base_url
    found = await service.list_provider_accounts(session, principal.tenant)
    shown = [schemas.provider_account_out(account, public_url) for account in found]
    return json_response(schemas.ProviderAccountList(data=shown))


@router.put(
    "/account/payment_providers/{provider}",
    response_model=schemas.ProviderAccountOut,
    summary="Take card payments through Stripe",
    description="Stripe's keys of the key's mode (test keys with a test-mode API key, live "
    "keys with a live one: 422 otherwise). New payment links of this mode are then paid "
    "through Stripe. Secrets are write-only. Point a Stripe webhook endpoint at "
    "`webhook_url`.",
)
async def set_payment_provider(
    request: Request,
    provider: Provider,
    body: schemas.StripeAccountIn,
    principal: Principal = Depends(require_scope("account:write")),
    session: AsyncSession = Depends(get_session),
) -> Response:
    settings = runtime_of(request).settings
    account = await service.set_stripe_account(session, principal.tenant, settings, body)
    return json_response(schemas.provider_account_out(account, settings.public_base_url))


@router.delete(
    "/account/payment_providers/{provider}",
    response_model=schemas.ProviderAccountDeleted,
    summary="Stop taking payments through a provider",
    description="New links of this mode go back to the built-in test provider (test mode) or "
    "are refused (live mode). 404 when it is not configured.",
)
async def remove_payment_provider(
    provider: Provider,
    principal: Principal = Depends(require_scope("account:write")),
    session: AsyncSession = Depends(get_session),
) -> Response:
    await service.remove_provider_account(session, principal.tenant, provider)
    return json_response(schemas.ProviderAccountDeleted(provider=provider))
