"""The life of a delivery in the job runner's hands (webhooks/jobs.py): read, sent, and its
attempt recorded with what follows from it (delivered, retried later, failed, endpoint
disabled).

Each step is its own short transaction; the HTTP request happens between them, outside any.
The job's lease keeps two workers from sending one delivery at once.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.core.clock import utcnow
from faktura.core.jsoncodec import dumps
from faktura.events.models import Event
from faktura.events.schemas import event_out
from faktura.webhooks import service
from faktura.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

# Waits after a failed attempt: the first attempt is immediate, then 5 s, 5 min, 30 min, 2 h,
# 5 h, 10 h and 10 h — 8 attempts over about 28 hours.
RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.1  # each wait is stretched or shrunk by up to 10 %, so retries do not stampede
MAX_RETRY_AFTER = timedelta(hours=24)
# An endpoint none of whose deliveries succeeded in this long is disabled.
FAILING_WINDOW = timedelta(days=3)
MAX_ERROR_LENGTH = 500


@dataclass(frozen=True, slots=True)
class DeliveryJob:
    """Everything needed to send one delivery, read when it was claimed."""

    delivery_id: uuid.UUID
    endpoint_id: uuid.UUID
    url: str
    secrets: list[str]
    message_id: str
    body: bytes


@dataclass(frozen=True, slots=True)
class AttemptResult:
    attempted_at: datetime
    duration_ms: int
    status_code: int | None = None
    response_body: str | None = None
    error: str | None = None
    retry_after: timedelta | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def event_body(event: Event) -> bytes:
    """The payload of Standard Webhooks: the event exactly as GET /v1/events/{id} shows it."""
    return dumps(event_out(event).model_dump(mode="python"))


def retry_delay(attempt_number: int, retry_after: timedelta | None) -> timedelta:
    """The wait after failed attempt `attempt_number` (1-based); never shorter than Retry-After."""
    base = RETRY_DELAYS[min(attempt_number, len(RETRY_DELAYS)) - 1]
    delay = base * random.uniform(1 - JITTER, 1 + JITTER)  # noqa: S311 - jitter, not a secret
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay


async def load(session: AsyncSession, delivery_id: uuid.UUID) -> DeliveryJob | None:
    """What sending `delivery_id` needs; None when there is nothing to send (delivered, failed,
    its endpoint disabled or deleted)."""
    now = utcnow()
    row = (
        await session.execute(
            select(WebhookDelivery, WebhookEndpoint, Event)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .join(Event, Event.id == WebhookDelivery.event_id)
            .where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.status == "pending",
                WebhookEndpoint.is_active.is_(True),
            )
        )
    ).first()
    if row is None:
        return None
    delivery, endpoint, event = row
    secrets = [endpoint.secret]
    if (
        endpoint.previous_secret is not None
        and endpoint.previous_secret_expires_at is not None
        and endpoint.previous_secret_expires_at > now
    ):
        secrets.append(endpoint.previous_secret)
    return DeliveryJob(
        delivery_id=delivery.id,
        endpoint_id=endpoint.id,
        url=endpoint.url,
        secrets=secrets,
        message_id=str(event.id),
        body=event_body(event),
    )


async def record_attempt(
    session: AsyncSession, job: DeliveryJob, result: AttemptResult, *, lease_held: bool
) -> datetime | None:
    """Log the attempt and move the delivery on; return when it is to be tried again (None:
    delivered, failed for good, or gone). A worker that lost its lease (it overran it and
    another worker took the delivery) logs its attempt but leaves the delivery alone."""
    delivery = (
        await session.execute(
            select(WebhookDelivery)
            .where(WebhookDelivery.id == job.delivery_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if delivery is None:  # the endpoint was deleted meanwhile
        return None
    if _apply(session, delivery, result, lease_held=lease_held):
        await session.flush()
        await _after_failure(session, delivery, result)
    await session.flush()
    if not lease_held:
        return None
    return delivery.next_attempt_at if delivery.status == "pending" else None


def _apply(
    session: AsyncSession, delivery: WebhookDelivery, result: AttemptResult, *, lease_held: bool
) -> bool:
    """Record the attempt on the delivery; True when it failed and what follows must be
    decided (retry, give up, disable the endpoint)."""
    attempt_number = delivery.attempt_count + 1
    error = result.error[:MAX_ERROR_LENGTH] if result.error else None
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            attempt_number=attempt_number,
            attempted_at=result.attempted_at,
            duration_ms=result.duration_ms,
            status_code=result.status_code,
            response_body=result.response_body,
            error=error,
        )
    )
    if not lease_held:
        return False
    now = utcnow()
    delivery.attempt_count = attempt_number
    delivery.last_attempt_at = result.attempted_at
    delivery.last_status_code = result.status_code
    delivery.last_error = error
    delivery.updated_at = now
    if result.succeeded:
        delivery.status = "delivered"
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        return False
    return True


async def _after_failure(
    session: AsyncSession, delivery: WebhookDelivery, result: AttemptResult
) -> None:
    now = utcnow()
    if result.status_code == 410:
        delivery.status = "failed"
        delivery.next_attempt_at = None
        await session.flush()
        await _disable(session, delivery.endpoint_id, "The endpoint answered 410 Gone")
        return
    if delivery.status != "pending":  # its endpoint was disabled by an earlier outcome
        return
    if delivery.attempt_count < MAX_ATTEMPTS:
        delivery.next_attempt_at = now + retry_delay(delivery.attempt_count, result.retry_after)
        await session.flush()
        return
    delivery.status = "failed"
    delivery.next_attempt_at = None
    await session.flush()
    if delivery.attempt_count == MAX_ATTEMPTS and not await _succeeded_since(
        session, delivery.endpoint_id, now - FAILING_WINDOW
    ):
        await _disable(
            session,
            delivery.endpoint_id,
            "No delivery succeeded for 3 days; every attempt failed",
        )


async def _disable(session: AsyncSession, endpoint_id: uuid.UUID, reason: str) -> None:
    # Locked only here, on the rare way to disabling it, not on every failed attempt.
    endpoint = (
        await session.execute(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    await service.disable_endpoint(session, endpoint, reason)


async def _succeeded_since(session: AsyncSession, endpoint_id: uuid.UUID, since: datetime) -> bool:
    found = (
        await session.execute(
            select(WebhookDelivery.id)
            .where(
                WebhookDelivery.endpoint_id == endpoint_id,
                WebhookDelivery.delivered_at >= since,
            )
            .limit(1)
        )
    ).first()
    return found is not None
