"""Request and response shapes of webhook endpoints and deliveries."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StrictBool, field_validator

from faktura.api.schemas import InputModel, OutputModel
from faktura.core.types import NEVER_NULL, MultilineText, Text, named, one_of
from faktura.events.catalog import EVENT_TYPES
from faktura.webhooks.catalog import ALL_EVENTS
from faktura.webhooks.models import WebhookAttempt as WebhookAttemptRow
from faktura.webhooks.models import WebhookDelivery as WebhookDeliveryRow
from faktura.webhooks.models import WebhookEndpoint as WebhookEndpointRow

DeliveryStatus = Annotated[
    Literal["pending", "delivered", "failed"],
    named("WebhookDeliveryStatus", "Where a webhook delivery is"),
]

_URL = (
    "Where events are POSTed: an https:// URL of a public host (plain http and private "
    "addresses only for hosts the operator allows in FAKTURA_WEBHOOK_ALLOW_HOSTS)"
)
_EVENTS = 'Event types to receive (see the catalog in docs/webhooks.md), or `["*"]` for all'
_DESCRIPTION = "What the endpoint is for"


# An event type an endpoint may subscribe to, or `*`; listed in the schema, checked by check_events.
EventType = Annotated[
    Text,
    one_of(EVENT_TYPES | {ALL_EVENTS}),
    named("EventSubscription", "An event type of the catalog, or `*` for every event"),
]


def check_events(events: list[str]) -> list[str]:
    unknown = [e for e in events if e != ALL_EVENTS and e not in EVENT_TYPES]
    if unknown:
        raise ValueError(f"unknown event types: {', '.join(unknown)}")
    if ALL_EVENTS in events and len(set(events)) > 1:
        raise ValueError('"*" cannot be combined with other event types')
    return sorted(set(events))


class WebhookEndpointCreate(InputModel):
    url: Text = Field(min_length=1, max_length=2048, description=_URL)
    events: list[EventType] = Field(min_length=1, max_length=200, description=_EVENTS)
    description: MultilineText | None = Field(None, max_length=500, description=_DESCRIPTION)
    is_active: StrictBool = Field(True, description="Whether events are delivered to it")

    @field_validator("events")
    @classmethod
    def _events(cls, value: list[str]) -> list[str]:
        return check_events(value)


class WebhookEndpointUpdate(InputModel):
    """Only the fields given change."""

    url: Annotated[Text | None, NEVER_NULL] = Field(
        None, min_length=1, max_length=2048, description=_URL
    )
    events: Annotated[list[EventType] | None, NEVER_NULL] = Field(
        None, min_length=1, max_length=200, description=_EVENTS
    )
    description: MultilineText | None = Field(None, max_length=500, description=_DESCRIPTION)
    is_active: Annotated[StrictBool | None, NEVER_NULL] = Field(
        None,
        description="false stops deliveries (pending ones fail); true starts them again",
    )

    @field_validator("events")
    @classmethod
    def _events(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else check_events(value)


class WebhookEndpoint(OutputModel):
    id: uuid.UUID = Field(description="Endpoint id")
    object: Literal["webhook_endpoint"] = "webhook_endpoint"
    url: str = Field(description="Where events are POSTed")
    events: list[str] = Field(description='Event types it receives, or `["*"]` for all')
    description: str | None = Field(description=_DESCRIPTION)
    is_active: bool = Field(description="Whether events are delivered to it")
    disabled_reason: str | None = Field(
        description="Why Faktura disabled it (410 Gone, or no delivery succeeded for 3 days); "
        "null when active or disabled by hand"
    )
    livemode: bool = Field(description="Live or test mode: it receives the events of its mode")
    created_at: datetime = Field(description="Creation time (UTC)")
    updated_at: datetime = Field(description="Last change (UTC)")


class WebhookEndpointWithSecret(WebhookEndpoint):
    secret: str = Field(
        description="Signing secret (`whsec_…`), shown only now: keep it to verify signatures"
    )


def endpoint_out(endpoint: WebhookEndpointRow) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=endpoint.id,
        url=endpoint.url,
        events=list(endpoint.events),
        description=endpoint.description,
        is_active=endpoint.is_active,
        disabled_reason=endpoint.disabled_reason,
        livemode=endpoint.livemode,
        created_at=endpoint.created_at,
        updated_at=endpoint.updated_at,
    )


def endpoint_with_secret(endpoint: WebhookEndpointRow) -> WebhookEndpointWithSecret:
    return WebhookEndpointWithSecret(
        **endpoint_out(endpoint).model_dump(exclude={"object"}), secret=endpoint.secret
    )


class WebhookEndpointDeleted(OutputModel):
    id: uuid.UUID = Field(description="Endpoint id")
    object: Literal["webhook_endpoint"] = "webhook_endpoint"
    deleted: bool = Field(description="Always true")


class WebhookAttempt(OutputModel):
    attempt_number: int = Field(description="1 for the first request of the delivery")
    attempted_at: datetime = Field(description="When the request was sent (UTC)")
    duration_ms: int = Field(description="Time to the response, or to the error, in ms")
    status_code: int | None = Field(description="HTTP status of the response; null on error")
    response_body: str | None = Field(description="The first 2 KB of the response body")
    error: str | None = Field(
        description="Why no response was had: refused destination, timeout, connection error"
    )


class WebhookDelivery(OutputModel):
    id: uuid.UUID = Field(description="Delivery id")
    object: Literal["webhook_delivery"] = "webhook_delivery"
    endpoint_id: uuid.UUID = Field(description="Endpoint it goes to")
    event_id: uuid.UUID = Field(description="Event it carries; the `webhook-id` header")
    event_type: str = Field(description="Type of that event")
    status: DeliveryStatus = Field(
        description="pending: waiting for its next attempt; delivered: answered 2xx; failed: "
        "gave up (all attempts failed, 410 Gone, or the endpoint was disabled)"
    )
    attempt_count: int = Field(description="Requests sent so far")
    next_attempt_at: datetime | None = Field(description="When it is next sent (pending only)")
    last_status_code: int | None = Field(description="HTTP status of the last attempt")
    last_error: str | None = Field(description="Error of the last attempt")
    delivered_at: datetime | None = Field(description="When it was answered 2xx (UTC)")
    attempts: list[WebhookAttempt] = Field(description="Every attempt, oldest first")
    livemode: bool = Field(description="Live or test mode")
    created_at: datetime = Field(description="When the event was queued for this endpoint (UTC)")
    updated_at: datetime = Field(description="Last change (UTC)")


def attempt_out(attempt: WebhookAttemptRow) -> WebhookAttempt:
    return WebhookAttempt(
        attempt_number=attempt.attempt_number,
        attempted_at=attempt.attempted_at,
        duration_ms=attempt.duration_ms,
        status_code=attempt.status_code,
        response_body=attempt.response_body,
        error=attempt.error,
    )


def delivery_out(delivery: WebhookDeliveryRow) -> WebhookDelivery:
    return WebhookDelivery(
        id=delivery.id,
        endpoint_id=delivery.endpoint_id,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        status=delivery.status,
        attempt_count=delivery.attempt_count,
        next_attempt_at=delivery.next_attempt_at,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
        delivered_at=delivery.delivered_at,
        attempts=[attempt_out(a) for a in delivery.attempts],
        livemode=delivery.livemode,
        created_at=delivery.created_at,
        updated_at=delivery.updated_at,
    )
