"""Verifying webhook deliveries (Standard Webhooks, https://www.standardwebhooks.com).

Faktura signs each delivery with the endpoint's secret (`whsec_` + base64 of the key):
`webhook-signature` holds `v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">`,
one per secret while a rotated secret overlaps the new one, space-separated. A delivery is
accepted when one of them matches and its timestamp is within `tolerance` (5 minutes) of now,
which stops an old delivery being replayed. Verify the raw body exactly as received, before any
JSON parsing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence
from typing import Any

import pydantic

from . import _json
from ._errors import FakturaError
from ._models import FakturaModel
from .models import EVENT_OBJECTS, Event

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
DEFAULT_TOLERANCE = 300


class WebhookVerificationError(FakturaError):
    """The delivery is not signed by a secret given, or is too old or too new: answer 400."""


def _key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise WebhookVerificationError("The webhook secret is not whsec_ + base64") from exc


def sign(secret: str, message_id: str, timestamp: int, body: bytes | str) -> str:
    """The `v1,…` signature Faktura sends for this delivery (useful in tests of a receiver)."""
    payload = body.encode() if isinstance(body, str) else body
    signed = f"{message_id}.{timestamp}.".encode() + payload
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class Webhook:
    """`Webhook(secret).verify(body, headers)` → the `Event`, or `WebhookVerificationError`.

    `secret` may be a list: during a rotation, accept the old and the new secret.
    """

    def __init__(self, secret: str | Sequence[str], *, tolerance: int = DEFAULT_TOLERANCE) -> None:
        self.secrets = [secret] if isinstance(secret, str) else list(secret)
        if not self.secrets:
            raise ValueError("No webhook secret given")
        for each in self.secrets:
            _key(each)  # a malformed secret is the caller's mistake: say so now
        self.tolerance = tolerance

    def verify_signature(
        self, body: bytes | str, headers: Mapping[str, str], *, now: float | None = None
    ) -> None:
        lowered = {k.lower(): v for k, v in headers.items()}
        message_id = lowered.get("webhook-id")
        timestamp_text = lowered.get("webhook-timestamp")
        signatures = lowered.get("webhook-signature")
        if not message_id or not timestamp_text or not signatures:
            raise WebhookVerificationError(
                "Missing webhook-id, webhook-timestamp or webhook-signature header"
            )
        try:
            timestamp = int(timestamp_text)
        except ValueError as exc:
            raise WebhookVerificationError("webhook-timestamp is not a number") from exc
        current = time.time() if now is None else now
        if abs(current - timestamp) > self.tolerance:
            raise WebhookVerificationError(
                "webhook-timestamp is outside the tolerance: too old (a replay?) or too new"
            )
        received = [
            part.split(",", 1)[1]
            for part in signatures.split()
            if part.startswith("v1,") and "," in part
        ]
        for secret in self.secrets:
            expected = sign(secret, message_id, timestamp, body).split(",", 1)[1]
            if any(hmac.compare_digest(expected, given) for given in received):
                return
        raise WebhookVerificationError("No webhook-signature matches the secret")

    def verify(
        self, body: bytes | str, headers: Mapping[str, str], *, now: float | None = None
    ) -> Event:
        """Check the signature and time, then parse the body as the `Event` (amounts as
        `Decimal`, exactly as `GET /v1/events/{id}` shows it)."""
        self.verify_signature(body, headers, now=now)
        try:
            data = _json.loads(body)
        except ValueError as exc:
            raise WebhookVerificationError("The body is not JSON") from exc
        return Event.model_validate(data)


def construct_event(
    body: bytes | str,
    headers: Mapping[str, str],
    secret: str | Sequence[str],
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> Event:
    """`Webhook(secret, tolerance=…).verify(body, headers)` in one call."""
    return Webhook(secret, tolerance=tolerance).verify(body, headers, now=now)


def event_object(event: Event) -> FakturaModel | dict[str, Any] | None:
    """The object an event carries (`data.object`) as its model — a `Document` for
    `invoice.paid`, a `Payment` for `payment.created` — or as the plain dict when this SDK does
    not know the event type or the object does not fit its model (a newer server); None when
    the event carries no object (`webhook.test`, `account.updated`)."""
    obj = event.data.get("object")
    if not isinstance(obj, dict):
        return None
    model = EVENT_OBJECTS.get(str(event.type))
    if model is None:
        return obj
    try:
        return model.model_validate(obj)
    except pydantic.ValidationError:
        return obj


__all__ = ["Webhook", "WebhookVerificationError", "construct_event", "event_object", "sign"]
