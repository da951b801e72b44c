"""/v1/webhook_endpoints and /v1/webhook_deliveries."""

import uuid
from typing import Annotated, Literal

from fastapi import Depends, Path, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from faktura.api.auth import Principal
from faktura.api.pagination import PageParams, page_params
from faktura.api.responses import json_response
from faktura.api.router import api_router
from faktura.api.routing import get_session, require_scope
from faktura.api.runtime import runtime_of
from faktura.api.schemas import ListResponse, NoFields
from faktura.core.jsoncodec import dumps
from faktura.webhooks import schemas, service

router = api_router("webhooks")
read = require_scope("webhooks:read")
write = require_scope("webhooks:write")

EndpointId = Annotated[uuid.UUID, Path(description="Webhook endpoint id")]
DeliveryId = Annotated[uuid.UUID, Path(description="Webhook delivery id")]
_SECRET_REDACTED = "whsec_…"  # noqa: S105 - a placeholder


def allowed_hosts(request: Request) -> tuple[str, ...]:
    return runtime_of(request).settings.webhook_allowed_hosts


def _with_secret(request: Request, shown: schemas.WebhookEndpointWithSecret) -> Response:
    # A replay of this request (Idempotency-Key) answers without the secret.
    request.state.idempotent_body = dumps({**shown.model_dump(), "secret": _SECRET_REDACTED})
    return json_response(shown)


@router.post(
    "/webhook_endpoints",
    response_model=schemas.WebhookEndpointWithSecret,
    status_code=201,
    summary="Create a webhook endpoint",
    description="The signing secret is in this response only (and in rotate_secret's).",
)
async def create_webhook_endpoint(
    body: schemas.WebhookEndpointCreate,
    request: Request,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    endpoint = await service.create_endpoint(
        session, principal.tenant, body, allowed_hosts(request)
    )
    response = _with_secret(request, schemas.endpoint_with_secret(endpoint))
    response.status_code = 201
    return response


@router.get(
    "/webhook_endpoints",
    response_model=ListResponse[schemas.WebhookEndpoint],
    summary="List webhook endpoints",
    description="Endpoints of this account and mode, newest first, without their secrets; "
    "disabled ones included, with `disabled_reason` when Faktura disabled them. Page with "
    "`page` or the `starting_after`/`ending_before` cursors. Needs `webhooks:read`.",
)
async def list_webhook_endpoints(
    params: PageParams = Depends(page_params),
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    page = await service.list_endpoints(session, principal.tenant, params)
    return json_response(page.as_response([schemas.endpoint_out(e) for e in page.items]))


@router.get(
    "/webhook_endpoints/{endpoint_id}",
    response_model=schemas.WebhookEndpoint,
    summary="Retrieve a webhook endpoint",
    description="The endpoint's URL, subscribed events and state; its signing secret is never "
    "shown again after create and rotate_secret. Needs `webhooks:read`.",
)
async def retrieve_webhook_endpoint(
    endpoint_id: EndpointId,
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    endpoint = await service.get_endpoint(session, principal.tenant, endpoint_id)
    return json_response(schemas.endpoint_out(endpoint))


@router.patch(
    "/webhook_endpoints/{endpoint_id}",
    response_model=schemas.WebhookEndpoint,
    summary="Update a webhook endpoint",
    description="Only the fields given change; records `webhook_endpoint.updated` when "
    "something did. `is_active: false` stops deliveries and fails the pending ones; "
    "`is_active: true` starts them again and clears `disabled_reason`. A new `url` is checked "
    "like on create (422).",
)
async def update_webhook_endpoint(
    endpoint_id: EndpointId,
    body: schemas.WebhookEndpointUpdate,
    request: Request,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    endpoint = await service.update_endpoint(
        session, principal.tenant, endpoint_id, body, allowed_hosts(request)
    )
    return json_response(schemas.endpoint_out(endpoint))


@router.delete(
    "/webhook_endpoints/{endpoint_id}",
    response_model=schemas.WebhookEndpointDeleted,
    summary="Delete a webhook endpoint",
    description="Its pending deliveries are dropped with it.",
)
async def delete_webhook_endpoint(
    endpoint_id: EndpointId,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    await service.delete_endpoint(session, principal.tenant, endpoint_id)
    return json_response(schemas.WebhookEndpointDeleted(id=endpoint_id, deleted=True))


@router.post(
    "/webhook_endpoints/{endpoint_id}/rotate_secret",
    response_model=schemas.WebhookEndpointWithSecret,
    summary="Rotate the signing secret",
    description="Returns the new secret. For 24 hours every delivery carries two signatures, "
    "one with the new secret and one with the old, so receivers can switch without a gap.",
)
async def rotate_webhook_secret(
    endpoint_id: EndpointId,
    request: Request,
    body: NoFields | None = None,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    endpoint = await service.rotate_secret(session, principal.tenant, endpoint_id)
    return _with_secret(request, schemas.endpoint_with_secret(endpoint))


@router.post(
    "/webhook_endpoints/{endpoint_id}/test",
    response_model=schemas.WebhookDelivery,
    status_code=202,
    summary="Send a test event",
    description="Queues a `webhook.test` event for this endpoint only; the worker sends it.",
)
async def send_webhook_test_event(
    endpoint_id: EndpointId,
    body: NoFields | None = None,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    delivery = await service.send_test_event(session, principal.tenant, endpoint_id)
    return json_response(schemas.delivery_out(delivery), status_code=202)


@router.get(
    "/webhook_endpoints/{endpoint_id}/deliveries",
    response_model=ListResponse[schemas.WebhookDelivery],
    summary="List an endpoint's deliveries",
    description="Newest first, each with every attempt (status, duration, response excerpt).",
)
async def list_webhook_deliveries(
    endpoint_id: EndpointId,
    params: PageParams = Depends(page_params),
    status: Literal["pending", "delivered", "failed"] | None = Query(
        None, description="Only deliveries in this status"
    ),
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    page = await service.list_deliveries(
        session, principal.tenant, endpoint_id, params, status=status
    )
    return json_response(page.as_response([schemas.delivery_out(d) for d in page.items]))


@router.get(
    "/webhook_deliveries/{delivery_id}",
    response_model=schemas.WebhookDelivery,
    summary="Retrieve a webhook delivery",
    description="One delivery of an event to an endpoint: its status (`pending`, `delivered` or "
    "`failed`), when it is next tried, and every attempt with its HTTP status, duration and "
    "response excerpt. Needs `webhooks:read`.",
)
async def retrieve_webhook_delivery(
    delivery_id: DeliveryId,
    principal: Principal = Depends(read),
    session: AsyncSession = Depends(get_session),
) -> Response:
    delivery = await service.get_delivery(session, principal.tenant, delivery_id)
    return json_response(schemas.delivery_out(delivery))


@router.post(
    "/webhook_deliveries/{delivery_id}/retry",
    response_model=schemas.WebhookDelivery,
    status_code=202,
    summary="Retry a delivery now",
    description="Queues the delivery to be sent again at once, with the same webhook-id, "
    "whether it is pending, delivered or failed.",
)
async def retry_webhook_delivery(
    delivery_id: DeliveryId,
    body: NoFields | None = None,
    principal: Principal = Depends(write),
    session: AsyncSession = Depends(get_session),
) -> Response:
    delivery = await service.retry_delivery(session, principal.tenant, delivery_id)
    return json_response(schemas.delivery_out(delivery), status_code=202)
