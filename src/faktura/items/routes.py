"""/v1/items."""

import uuid
from typing import Annotated

from fastapi import Depends, Path, Query
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from faktura.api.auth import Principal
from faktura.api.pagination import PageParams, page_params
from faktura.api.responses import json_response
from faktura.api.router import api_router
from faktura.api.routing import error_responses, get_session, require_scope
from faktura.api.schemas import ListResponse
from faktura.core.types import Text
from faktura.items import schemas, service

router = api_router("items")
read = require_scope("items:read")
write = require_scope("items:write")

ItemId = Annotated[uuid.UUID, Path(description="Id of the item")]


@router.post(
    "/items",
    response_model=schemas.Item,
    status_code=201,
    summary="Create an item",
    description="A product or service to put on document lines, with its price and VAT "
    "settings; the currency is the account's default when omitted. A `sku` another item has is "
    "409 conflict. Records `item.created`.",
)
async def create_item(
    body: schemas.ItemCreate,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    item = await service.create_item(session, principal.tenant, body)
    return json_response(schemas.item_out(item), status_code=201)


@router.get(
    "/items",
    response_model=ListResponse[schemas.Item],
    summary="List items",
    description="Items of this account and mode, newest first, archived ones included unless "
    "`active` is given; `search` narrows by name, sku or description. Page with `page` or the "
    "`starting_after`/`ending_before` cursors. Needs `items:read`.",
)
async def list_items(
    params: PageParams = Depends(page_params),
    search: Text | None = Query(
        None,
        min_length=1,
        max_length=200,
        description="Case-insensitive substring of the name, sku or description",
    ),
    active: bool | None = Query(None, description="Only active (true) or archived (false) items"),
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    page = await service.list_items(session, principal.tenant, params, search=search, active=active)
    return json_response(page.as_response([schemas.item_out(i) for i in page.items]))


@router.get(
    "/items/{item_id}",
    response_model=schemas.Item,
    summary="Retrieve an item",
    description="One item, archived or not. Needs `items:read`.",
)
async def retrieve_item(
    item_id: ItemId,
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    item = await service.get_item(session, principal.tenant, item_id)
    return json_response(schemas.item_out(item))


@router.patch(
    "/items/{item_id}",
    response_model=schemas.Item,
    responses=error_responses(409),
    summary="Update an item",
    description="Only the fields given change. 409 conflict when another item has the `sku`.",
)
async def update_item(
    item_id: ItemId,
    body: schemas.ItemUpdate,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    item = await service.update_item(session, principal.tenant, item_id, body)
    return json_response(schemas.item_out(item))


@router.delete(
    "/items/{item_id}",
    response_model=schemas.ItemDeleted,
    summary="Delete an item",
    description="An item used on a document is archived (active: false) instead of removed, "
    "so the documents keep it.",
)
async def delete_item(
    item_id: ItemId,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    deleted = await service.delete_item(session, principal.tenant, item_id)
    return json_response(schemas.ItemDeleted(id=item_id, deleted=deleted, archived=not deleted))
