"""/v1/account and /v1/api_keys."""

import uuid
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from faktura.accounts import api_keys, schemas
from faktura.accounts import service as accounts_service
from faktura.api.auth import Principal
from faktura.api.pagination import PageParams, page_params
from faktura.api.responses import json_response
from faktura.api.router import api_router
from faktura.api.routing import get_session, require_scope
from faktura.api.runtime import runtime_of
from faktura.api.schemas import ListResponse
from faktura.core.jsoncodec import dumps

router = api_router("account")


@router.get(
    "/account",
    response_model=schemas.Account,
    summary="Retrieve the account",
    description="The business this key belongs to: company details, currency, locale, time "
    "zone, numbering, branding, VAT rates, payment methods and billers. One account serves both "
    "modes. Needs `account:read`.",
)
async def retrieve_account(
    principal: Principal = Depends(require_scope("account:read")),
    session: AsyncSession = Depends(get_session),
) -> Response:
    account = await accounts_service.get_account(session, principal.tenant.account_id)
    return json_response(schemas.account_out(account))


@router.patch(
    "/account",
    response_model=schemas.Account,
    summary="Update the account",
    description="Only the fields given change; `numbering` is merged, while `address`, "
    "`branding` and the lists with ids (`vat_rates`, `payment_methods`, `billers`) are replaced "
    "whole (keep an entry's `id` to keep it). The account is shared by both modes, so "
    "`account.updated` is recorded in both. Needs `account:write`.",
)
async def update_account(
    body: schemas.AccountUpdate,
    principal: Principal = Depends(require_scope("account:write")),
    session: AsyncSession = Depends(get_session),
) -> Response:
    account = await accounts_service.update_account(session, principal.tenant, body)
    return json_response(schemas.account_out(account))


@router.post(
    "/api_keys",
    response_model=schemas.ApiKeyCreated,
    status_code=201,
    summary="Create an API key",
    description="The secret `key` is in this response only: a retry with the same "
    "Idempotency-Key replays it with `key` redacted. A key can create keys of its own mode "
    "only, with scopes it has itself, on a plan no higher than its own (the default).",
)
async def create_api_key(
    body: schemas.ApiKeyCreate,
    request: Request,
    principal: Principal = Depends(require_scope("keys:write")),
    session: AsyncSession = Depends(get_session),
) -> Response:
    issued = await api_keys.issue_api_key(
        session,
        account_id=principal.tenant.account_id,
        livemode=principal.tenant.livemode if body.mode is None else body.mode == "live",
        name=body.name,
        scopes=body.scopes,
        plan=body.plan,
        description=body.description,
        issuer=principal,
    )
    shown = schemas.api_key_out(issued.key).model_dump()
    request.state.idempotent_body = dumps({**shown, "key": issued.key.redacted})
    return json_response(schemas.ApiKeyCreated(**shown, key=issued.secret), status_code=201)


@router.get(
    "/api_keys",
    response_model=ListResponse[schemas.ApiKey],
    summary="List the API keys of this mode",
    description="The keys of the calling key's mode, revoked ones included, newest first; "
    "secrets are never shown, only `redacted`. Page with `page` or the "
    "`starting_after`/`ending_before` cursors. Needs `keys:write`.",
)
async def list_api_keys(
    params: PageParams = Depends(page_params),
    principal: Principal = Depends(require_scope("keys:write")),
    session: AsyncSession = Depends(get_session),
) -> Response:
    page = await api_keys.list_api_keys(session, principal.tenant, params)
    return json_response(page.as_response([schemas.api_key_out(k) for k in page.items]))


@router.delete(
    "/api_keys/{key_id}",
    response_model=schemas.ApiKey,
    summary="Revoke an API key",
    description="A revoked key answers 401 at once on the server process that revoked it, and "
    "within `FAKTURA_AUTH_CACHE_SECONDS` (1 s by default) on the others, which trust a key "
    "they checked for that long.",
)
async def revoke_api_key(
    request: Request,
    key_id: Annotated[uuid.UUID, Path(description="Id of the API key (not its secret)")],
    principal: Principal = Depends(require_scope("keys:write")),
    session: AsyncSession = Depends(get_session),
) -> Response:
    key = await api_keys.revoke_api_key(session, principal.tenant, key_id)
    runtime_of(request).keys.forget(key.id)
    return json_response(schemas.api_key_out(key))
