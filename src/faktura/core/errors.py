"""Domain errors. Every expected failure is a FakturaError; one handler renders them all."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorDetail:
    field: str
    message: str


class FakturaError(Exception):
    code = "internal_error"
    status = 500
    default_message = "Internal error"

    def __init__(
        self,
        message: str | None = None,
        details: list[ErrorDetail] | None = None,
        headers: dict[str, str] | None = None,
    ):
        self.message = message or self.default_message
        self.details = details or []
        self.headers = headers or {}
        super().__init__(self.message)


class BadRequest(FakturaError):
    code, status, default_message = "bad_request", 400, "The request could not be understood"


class Unauthorized(FakturaError):
    code, status, default_message = "unauthorized", 401, "A valid API key is required"


class InsufficientScope(FakturaError):
    code, status, default_message = (
        "insufficient_scope",
        403,
        "The API key lacks the scope this request needs",
    )


class NotFound(FakturaError):
    code, status, default_message = "not_found", 404, "Not found"


class MethodNotAllowed(FakturaError):
    code, status, default_message = "method_not_allowed", 405, "Method not allowed"


class Conflict(FakturaError):
    code, status, default_message = "conflict", 409, "The request conflicts with the current state"


class IdempotencyConflict(FakturaError):
    code, status, default_message = (
        "idempotency_conflict",
        409,
        "This Idempotency-Key was already used with a different request",
    )


class InvalidState(FakturaError):
    code, status, default_message = (
        "invalid_state",
        409,
        "The object is not in a state that allows this",
    )


class PayloadTooLarge(FakturaError):
    code, status, default_message = "payload_too_large", 413, "The request body exceeds 1 MiB"


class UnsupportedMediaType(FakturaError):
    code, status, default_message = (
        "unsupported_media_type",
        415,
        "The request body must be application/json",
    )


class ValidationFailed(FakturaError):
    code, status, default_message = "validation_error", 422, "The request is invalid"

    @classmethod
    def on_field(cls, field: str, message: str) -> "ValidationFailed":
        return cls(f"{field}: {message}", [ErrorDetail(field, message)])


class RateLimited(FakturaError):
    code, status, default_message = "rate_limited", 429, "Too many requests"

    def __init__(
        self,
        retry_after: int,
        message: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message, headers={**(headers or {}), "Retry-After": str(retry_after)})
        self.retry_after = retry_after


class ServiceUnavailable(FakturaError):
    """A service Faktura needs (the database) cannot be reached: nothing was done; retry."""

    code, status, default_message = (
        "service_unavailable",
        503,
        "The service is temporarily unavailable; nothing was changed, retry later",
    )

    def __init__(self, message: str | None = None, retry_after: int = 5):
        super().__init__(message, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


class InternalError(FakturaError):
    pass


# Every code an error object may carry (a test holds the error classes and the handlers to it).
ERROR_CODES = (
    "bad_request",
    "unauthorized",
    "insufficient_scope",
    "not_found",
    "method_not_allowed",
    "conflict",
    "idempotency_conflict",
    "invalid_state",
    "payload_too_large",
    "unsupported_media_type",
    "validation_error",
    "rate_limited",
    "service_unavailable",
    "internal_error",
)
