"""Faktura's official Python SDK: `Faktura` (sync) and `AsyncFaktura` (asyncio)."""

from . import models
from ._base_client import NOT_GIVEN, APIResponse, NotGiven, RequestOptions
from ._client import AsyncFaktura, Faktura
from ._errors import (
    ERROR_CLASSES,
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ErrorDetail,
    FakturaError,
    IdempotencyConflictError,
    InternalServerError,
    InvalidStateError,
    MethodNotAllowedError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    ServiceUnavailableError,
    UnsupportedMediaTypeError,
    ValidationError,
)
from ._pagination import AsyncPage, AsyncPaginator, SyncPage
from ._raw import RawResponse
from ._version import __version__
from .webhooks import Webhook, WebhookVerificationError, construct_event, event_object

__all__ = [
    "ERROR_CLASSES",
    "NOT_GIVEN",
    "APIConnectionError",
    "APIResponse",
    "APITimeoutError",
    "AsyncFaktura",
    "AsyncPage",
    "AsyncPaginator",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "ErrorDetail",
    "Faktura",
    "FakturaError",
    "IdempotencyConflictError",
    "InternalServerError",
    "InvalidStateError",
    "MethodNotAllowedError",
    "NotFoundError",
    "NotGiven",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "RawResponse",
    "RequestOptions",
    "ServiceUnavailableError",
    "SyncPage",
    "UnsupportedMediaTypeError",
    "ValidationError",
    "Webhook",
    "WebhookVerificationError",
    "__version__",
    "construct_event",
    "event_object",
    "models",
]
