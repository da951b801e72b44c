"""Exceptions: one class per error code of the API, all under `FakturaError`.

Every error answer has the same shape (`{"error": {"code", "message", "status", "request_id",
"details"}}`); its `code` picks the class, so callers catch what they mean
(`except NotFoundError`) rather than compare status numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx


@dataclass(frozen=True)
class ErrorDetail:
    """One invalid field of a 422: `field` is a path such as `line_items[0].quantity`."""

    field: str | None
    message: str


class FakturaError(Exception):
    """Base of every error the SDK raises.

    `status` is the HTTP status (None when no answer came), `code` the API's error code
    (`not_found`, `validation_error`…), `details` the invalid fields of a 422, `request_id` the
    id to quote when asking about a request (the `X-Request-Id` header).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        details: list[ErrorDetail] | None = None,
        request_id: str | None = None,
        response: httpx.Response | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.details = details or []
        self.request_id = request_id
        self.response = response
        self.body = body

    @property
    def param(self) -> str | None:
        """The first invalid field, as Stripe's SDKs name it."""
        return self.details[0].field if self.details else None

    @property
    def headers(self) -> httpx.Headers:
        return self.response.headers if self.response is not None else httpx.Headers()

    def __str__(self) -> str:
        parts = [self.message]
        if self.code:
            parts.insert(0, f"{self.status} {self.code}:")
        unsaid = [d for d in self.details if f"{d.field}: {d.message}" not in self.message]
        if unsaid:
            parts.append("(" + "; ".join(f"{d.field}: {d.message}" for d in unsaid) + ")")
        if self.request_id:
            parts.append(f"[{self.request_id}]")
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class APIConnectionError(FakturaError):
    """No answer: the server could not be reached or the connection broke."""


class APITimeoutError(APIConnectionError):
    """No answer in time."""


class BadRequestError(FakturaError):
    """400 bad_request."""


class AuthenticationError(FakturaError):
    """401 unauthorized: a missing, unknown or revoked key."""


class PermissionDeniedError(FakturaError):
    """403 insufficient_scope: the key lacks the scope the operation needs."""


class NotFoundError(FakturaError):
    """404 not_found (also another account's object: existence is never leaked)."""


class MethodNotAllowedError(FakturaError):
    """405 method_not_allowed."""


class ConflictError(FakturaError):
    """409 conflict: a duplicate (a number already used) or the same request still running
    under the same Idempotency-Key. Retried by the SDK."""


class IdempotencyConflictError(FakturaError):
    """409 idempotency_conflict: the Idempotency-Key was already used for another request."""


class InvalidStateError(FakturaError):
    """409 invalid_state: not allowed in the object's state (editing an issued invoice)."""


class PayloadTooLargeError(FakturaError):
    """413 payload_too_large."""


class UnsupportedMediaTypeError(FakturaError):
    """415 unsupported_media_type."""


class ValidationError(FakturaError):
    """422 validation_error; `details` names each invalid field."""


class RateLimitError(FakturaError):
    """429 rate_limited; `retry_after` is how long the server asked to wait, in seconds."""

    @property
    def retry_after(self) -> float | None:
        return retry_after_seconds(self.headers)


class InternalServerError(FakturaError):
    """500 internal_error: a bug on the server, reported with its request id."""


class ServiceUnavailableError(FakturaError):
    """503 service_unavailable: the database or another required service cannot be reached."""


ERROR_CLASSES: dict[str, type[FakturaError]] = {
    "bad_request": BadRequestError,
    "unauthorized": AuthenticationError,
    "insufficient_scope": PermissionDeniedError,
    "not_found": NotFoundError,
    "method_not_allowed": MethodNotAllowedError,
    "conflict": ConflictError,
    "idempotency_conflict": IdempotencyConflictError,
    "invalid_state": InvalidStateError,
    "payload_too_large": PayloadTooLargeError,
    "unsupported_media_type": UnsupportedMediaTypeError,
    "validation_error": ValidationError,
    "rate_limited": RateLimitError,
    "internal_error": InternalServerError,
    "service_unavailable": ServiceUnavailableError,
}

# A code this SDK does not know yet (a newer server) still gets the class of its status.
_STATUS_CLASSES: dict[int, type[FakturaError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    409: ConflictError,
    413: PayloadTooLargeError,
    415: UnsupportedMediaTypeError,
    422: ValidationError,
    429: RateLimitError,
    500: InternalServerError,
    503: ServiceUnavailableError,
}


def error_from_response(response: httpx.Response, body: Any) -> FakturaError:
    error = body.get("error") if isinstance(body, dict) else None
    request_id = response.headers.get("x-request-id")
    if not isinstance(error, dict):
        text = response.text[:500] if response.content else response.reason_phrase
        cls = _STATUS_CLASSES.get(response.status_code, FakturaError)
        return cls(
            f"HTTP {response.status_code}: {text}",
            status=response.status_code,
            request_id=request_id,
            response=response,
            body=body,
        )
    code = error.get("code") if isinstance(error.get("code"), str) else None
    cls = ERROR_CLASSES.get(code or "") or _STATUS_CLASSES.get(response.status_code, FakturaError)
    details = [
        ErrorDetail(field=d.get("field"), message=str(d.get("message", "")))
        for d in error.get("details") or []
        if isinstance(d, dict)
    ]
    return cls(
        str(error.get("message") or response.reason_phrase),
        status=response.status_code,
        code=code,
        details=details,
        # A replayed error names the first attempt's request in its body; that is the one to
        # quote, so the body wins over the header.
        request_id=error.get("request_id") or request_id,
        response=response,
        body=body,
    )


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    """`Retry-After` in seconds, given as a number or as an HTTP date."""
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max((when - dt.datetime.now(dt.UTC)).total_seconds(), 0.0)
