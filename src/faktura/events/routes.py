"""/v1/events."""

import uuid
from typing import Annotated

from fastapi import Depends, Path, Query
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from faktura.api.auth import Principal
from faktura.api.pagination import PageParams, page_params
from faktura.api.responses import json_response
from faktura.api.router import api_router
from faktura.api.routing import get_session, require_scope
from faktura.api.schemas import ListResponse
from faktura.core.types import Text
from faktura.events import schemas
from faktura.events import service as events_service

router = api_router("events")


@router.get(
    "/events",
    response_model=ListResponse[schemas.Event],
    summary="List events",
    description="The event log of this account and mode, newest first: every state change, "
    "recorded in the same transaction as the change and delivered as webhooks. Filter by `type` "
    "or `object_id`; page with `page` or the `starting_after`/`ending_before` cursors. Needs "
    "`webhooks:read`.",
)
async def list_events(
    params: PageParams = Depends(page_params),
    type: Text | None = Query(
        None, max_length=64, description="Only this type, or a family such as `invoice.*`"
    ),
    object_id: uuid.UUID | None = Query(None, description="Only events about this object"),
    principal: Principal = Depends(require_scope("webhooks:read")),
    session: AsyncSession = Depends(get_session),
) -> Response:
    page = await events_service.list_events(
        session, principal.tenant, params, event_type=type, object_id=object_id
    )
    return json_response(page.as_response([schemas.event_out(e) for e in page.items]))


@router.get(
    "/events/{event_id}",
    response_model=schemas.Event,
    summary="Retrieve an event",
    description="One event, exactly as a webhook delivers it, with the object in `data.object` "
    "as the API showed it then. Needs `webhooks:read`.",
)
async def retrieve_event(
    event_id: Annotated[uuid.UUID, Path(description="Id of the event")],
    principal: Principal = Depends(require_scope("webhooks:read")),
    session: AsyncSession = Depends(get_session),
) -> Response:
    event = await events_service.get_event(session, principal.tenant, event_id)
    return json_response(schemas.event_out(event))
