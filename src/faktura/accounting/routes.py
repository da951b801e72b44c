"""/v1/accounting/changes: the change feed an external ledger pulls."""

from typing import Literal

from fastapi import Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from faktura.accounting import schemas, service
from faktura.api.auth import Principal
from faktura.api.pagination import PageParams, page_params
from faktura.api.responses import json_response
from faktura.api.router import api_router
from faktura.api.routing import get_session, require_scope
from faktura.api.schemas import ListResponse

router = api_router("accounting")


@router.get(
    "/accounting/changes",
    response_model=ListResponse[schemas.AccountingChange],
    summary="List accounting changes",
    description="Every change to an invoice, payment, credit note or customer, newest first, "
    "with the status of its sync to an external ledger. A ledger pulls `status=pending`, books "
    "the changes, then marks them synced or failed.",
)
async def list_accounting_changes(
    params: PageParams = Depends(page_params),
    status: Literal["pending", "synced", "failed"] | None = Query(
        None, description="Only changes with this sync status"
    ),
    object_type: Literal["invoice", "payment", "credit_note", "customer"] | None = Query(
        None, description="Only changes to this kind of object"
    ),
    principal: Principal = Depends(require_scope("documents:read")),
    session: AsyncSession = Depends(get_session),
) -> Response:
    page = await service.list_changes(
        session, principal.tenant, params, status=status, object_type=object_type
    )
    return json_response(page.as_response([schemas.change_out(c) for c in page.items]))


@router.post(
    "/accounting/changes",
    response_model=schemas.AccountingChangesUpdated,
    summary="Mark accounting changes synced or failed",
    description="All of `change_ids` are updated, or none (404 when one is unknown).",
)
async def update_accounting_changes(
    body: schemas.AccountingChangesUpdate,
    principal: Principal = Depends(require_scope("documents:write")),
    session: AsyncSession = Depends(get_session),
) -> Response:
    changes = await service.update_changes(
        session, principal.tenant, body.action, body.change_ids, body.error_message
    )
    return json_response(
        schemas.AccountingChangesUpdated(data=[schemas.change_out(c) for c in changes])
    )
