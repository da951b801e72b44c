"""Webhook endpoints and their deliveries: create, change, rotate, test, list, retry by hand."""

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from faktura.core.clock import utcnow
from faktura.core.errors import InvalidState, NotFound, ValidationFailed
from faktura.core.ids import uuid7
from faktura.core.tenant import Tenant
from faktura.db.pagination import Page, PageParams, paginate, tenant_rows
from faktura.events.catalog import TEST_EVENT
from faktura.events.service import record_event
from faktura.webhooks import active_endpoints, fanout, queue
from faktura.webhooks.models import WebhookDelivery, WebhookEndpoint
from faktura.webhooks.safety import RefusedDestination, check_url
from faktura.webhooks.schemas import WebhookEndpointCreate, WebhookEndpointUpdate, endpoint_out
from faktura.webhooks.signing import generate_secret

# After a rotation the old secret signs alongside the new one this long.
SECRET_OVERLAP = timedelta(hours=24)


def _endpoints(tenant: Tenant) -> Select[WebhookEndpoint]:
    return select(WebhookEndpoint).where(tenant_rows(WebhookEndpoint, tenant))


def _out(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {"object": endpoint_out(endpoint).model_dump(mode="python")}


def _check_url(url: str, allowed_hosts: tuple[str, ...]) -> None:
    try:
        check_url(url, allowed_hosts)
    except RefusedDestination as exc:
        raise ValidationFailed.on_field("url", str(exc)) from exc


async def create_endpoint(
    session: AsyncSession,
    tenant: Tenant,
    data: WebhookEndpointCreate,
    allowed_hosts: tuple[str, ...],
) -> WebhookEndpoint:
    _check_url(data.url, allowed_hosts)
    now = utcnow()
    endpoint = WebhookEndpoint(
        id=uuid7(),
        account_id=tenant.account_id,
        livemode=tenant.livemode,
        url=data.url,
        events=data.events,
        description=data.description,
        is_active=data.is_active,
        secret=generate_secret(),
        created_at=now,
        updated_at=now,
    )
    # The event first, so that an endpoint for "*" is not sent the news of its own creation.
    await record_event(
        session, tenant, "webhook_endpoint.created", "webhook_endpoint", endpoint.id, _out(endpoint)
    )
    session.add(endpoint)
    await session.flush()
    active_endpoints.forget(session)
    return endpoint


async def get_endpoint(
    session: AsyncSession, tenant: Tenant, endpoint_id: uuid.UUID, *, for_update: bool = False
) -> WebhookEndpoint:
    statement = _endpoints(tenant).where(WebhookEndpoint.id == endpoint_id)
    if for_update:
        statement = statement.with_for_update()
    endpoint = (await session.execute(statement)).scalar_one_or_none()
    if endpoint is None:
        raise NotFound(f"No such webhook endpoint: {endpoint_id}")
    return endpoint


async def list_endpoints(
    session: AsyncSession, tenant: Tenant, params: PageParams
) -> Page[WebhookEndpoint]:
    return await paginate(session, _endpoints(tenant), WebhookEndpoint.id, params)


async def delivery_stats(session: AsyncSession) -> dict[str, Any]:
    """For operators (/metrics), over every account: deliveries waiting and given up, when the
    oldest waiting one was due, and endpoints by state. Deliveries are counted through their
    (endpoint, status) index, never by reading every delivered one."""
    deliveries = await session.execute(
        select(WebhookDelivery.status, func.count(), func.min(WebhookDelivery.next_attempt_at))
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.status.in_(("pending", "failed")))
        .group_by(WebhookDelivery.status)
    )
    endpoints = await session.execute(
        select(WebhookEndpoint.is_active, func.count()).group_by(WebhookEndpoint.is_active)
    )
    by_status = {status: (count, oldest) for status, count, oldest in deliveries}
    by_state = {active: count for active, count in endpoints}
    return {
        "pending": by_status.get("pending", (0, None))[0],
        "failed": by_status.get("failed", (0, None))[0],
        "oldest_due": by_status.get("pending", (0, None))[1],
        "active_endpoints": by_state.get(True, 0),
        "disabled_endpoints": by_state.get(False, 0),
    }


async def _fail_pending_deliveries(
    session: AsyncSession, endpoint: WebhookEndpoint, reason: str
) -> None:
    now = utcnow()
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == "pending")
        .values(
            status="failed",
            next_attempt_at=None,
            last_error=reason,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )


async def update_endpoint(
    session: AsyncSession,
    tenant: Tenant,
    endpoint_id: uuid.UUID,
    changes: WebhookEndpointUpdate,
    allowed_hosts: tuple[str, ...],
) -> WebhookEndpoint:
    endpoint = await get_endpoint(session, tenant, endpoint_id, for_update=True)
    before = _out(endpoint)["object"]
    given = changes.model_fields_set
    if "url" in given and changes.url is not None:
        _check_url(changes.url, allowed_hosts)
        endpoint.url = changes.url
    if "events" in given and changes.events is not None:
        endpoint.events = changes.events
    if "description" in given:
        endpoint.description = changes.description
    if "is_active" in given and changes.is_active is not None:
        if changes.is_active and not endpoint.is_active:
            endpoint.disabled_reason = None
        elif not changes.is_active and endpoint.is_active:
            await _fail_pending_deliveries(session, endpoint, "The endpoint was disabled")
        endpoint.is_active = changes.is_active
    after = _out(endpoint)["object"]
    changed = {k: v for k, v in before.items() if k != "updated_at" and after[k] != v}
    if changed:
        endpoint.updated_at = utcnow()
        await session.flush()
        active_endpoints.forget(session)
        await record_event(
            session,
            tenant,
            "webhook_endpoint.updated",
            "webhook_endpoint",
            endpoint.id,
            {**_out(endpoint), "previous_attributes": changed},
        )
    return endpoint


async def delete_endpoint(session: AsyncSession, tenant: Tenant, endpoint_id: uuid.UUID) -> None:
    endpoint = await get_endpoint(session, tenant, endpoint_id, for_update=True)
    endpoint.is_active = False  # so that its own deletion is not queued for it
    await session.flush()
    active_endpoints.forget(session)
    await record_event(
        session, tenant, "webhook_endpoint.deleted", "webhook_endpoint", endpoint.id, _out(endpoint)
    )
    await session.delete(endpoint)
    await session.flush()


async def rotate_secret(
    session: AsyncSession, tenant: Tenant, endpoint_id: uuid.UUID
) -> WebhookEndpoint:
    """A new secret signs from now on; the current one keeps signing beside it for 24 hours."""
    endpoint = await get_endpoint(session, tenant, endpoint_id, for_update=True)
    now = utcnow()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + SECRET_OVERLAP
    endpoint.secret = generate_secret()
    endpoint.updated_at = now
    await session.flush()
    await record_event(
        session,
        tenant,
        "webhook_endpoint.updated",
        "webhook_endpoint",
        endpoint.id,
        {**_out(endpoint), "previous_attributes": {}, "secret_rotated": True},
    )
    return endpoint


async def disable_endpoint(session: AsyncSession, endpoint: WebhookEndpoint, reason: str) -> None:
    """Faktura stops delivering to an endpoint that is gone or keeps failing; an event says so."""
    if not endpoint.is_active:
        return
    endpoint.is_active = False
    endpoint.disabled_reason = reason
    endpoint.updated_at = utcnow()
    await _fail_pending_deliveries(session, endpoint, f"Endpoint disabled: {reason}")
    await session.flush()
    active_endpoints.forget(session)
    await record_event(
        session,
        Tenant(endpoint.account_id, endpoint.livemode),
        "webhook_endpoint.disabled",
        "webhook_endpoint",
        endpoint.id,
        {**_out(endpoint), "reason": reason},
    )


async def send_test_event(
    session: AsyncSession, tenant: Tenant, endpoint_id: uuid.UUID
) -> WebhookDelivery:
    """A `webhook.test` event, queued for this endpoint only."""
    endpoint = await get_endpoint(session, tenant, endpoint_id)
    if not endpoint.is_active:
        raise InvalidState("The endpoint is disabled; enable it to send a test event")
    event = await record_event(
        session,
        tenant,
        TEST_EVENT,
        "webhook_endpoint",
        endpoint.id,
        {"object": {"endpoint_id": str(endpoint.id), "message": "A test event from Faktura"}},
    )
    delivery = fanout.new_delivery(event, endpoint.id)
    session.add(delivery)
    queue.enqueue_delivery(session, delivery)
    await session.flush()
    return await get_delivery(session, tenant, delivery.id)


def _deliveries(tenant: Tenant) -> Select[WebhookDelivery]:
    return (
        select(WebhookDelivery)
        .where(
            WebhookDelivery.account_id == tenant.account_id,
            WebhookDelivery.livemode == tenant.livemode,
        )
        .options(selectinload(WebhookDelivery.attempts))
    )


async def list_deliveries(
    session: AsyncSession,
    tenant: Tenant,
    endpoint_id: uuid.UUID,
    params: PageParams,
    *,
    status: str | None = None,
) -> Page[WebhookDelivery]:
    await get_endpoint(session, tenant, endpoint_id)
    statement = _deliveries(tenant).where(WebhookDelivery.endpoint_id == endpoint_id)
    if status is not None:
        statement = statement.where(WebhookDelivery.status == status)
    return await paginate(session, statement, WebhookDelivery.id, params)


async def get_delivery(
    session: AsyncSession, tenant: Tenant, delivery_id: uuid.UUID
) -> WebhookDelivery:
    delivery = (
        await session.execute(
            _deliveries(tenant)
            .where(WebhookDelivery.id == delivery_id)
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if delivery is None:
        raise NotFound(f"No such webhook delivery: {delivery_id}")
    return delivery


async def retry_delivery(
    session: AsyncSession, tenant: Tenant, delivery_id: uuid.UUID
) -> WebhookDelivery:
    """Send again now, with the same webhook-id, whatever became of it before."""
    delivery = await get_delivery(session, tenant, delivery_id)
    endpoint = await get_endpoint(session, tenant, delivery.endpoint_id)
    if not endpoint.is_active:
        raise InvalidState("The endpoint is disabled; enable it before retrying")
    now = utcnow()
    # Not while a worker is sending it: the job's lease says so (InvalidState).
    await queue.send_again(session, delivery, now)
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery.id)
        .values(status="pending", next_attempt_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return await get_delivery(session, tenant, delivery.id)
