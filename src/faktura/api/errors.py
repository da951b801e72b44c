"""The one error object of the API, and the handlers that render every failure as it."""

from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from faktura.api.responses import FakturaJSONResponse
from faktura.core.errors import ErrorDetail, FakturaError
from faktura.core.types import BLAMED_FIELD

STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "insufficient_scope",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "service_unavailable",
}


def request_id_of(scope: Any) -> str:
    state = scope.get("state") or {}
    return str(state.get("request_id", ""))


def error_body(
    code: str,
    status: int,
    message: str,
    request_id: str,
    details: list[ErrorDetail] | None = None,
) -> dict[str, Any]:
    error: dict[str, Any] = {
        "code": code,
        "message": message,
        "status": status,
        "request_id": request_id,
    }
    if status == 422:
        error["details"] = [{"field": d.field, "message": d.message} for d in details or []]
    return {"error": error}


def error_response(
    code: str,
    status: int,
    message: str,
    request_id: str,
    details: list[ErrorDetail] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    return FakturaJSONResponse(
        error_body(code, status, message, request_id, details), status_code=status, headers=headers
    )


def field_path(loc: tuple[int | str, ...]) -> str:
    """("body", "line_items", 0, "quantity") → "line_items[0].quantity"."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def _blamed_path(error: Any) -> str:
    """The error's field; a model's own rule may blame one of its fields (`field_error`)."""
    loc = tuple(error.get("loc", ()))
    blamed = (error.get("ctx") or {}).get(BLAMED_FIELD)
    if blamed is None:
        return field_path(loc)
    return field_path((*loc, blamed))


def _message(error: Any) -> str:
    """Pydantic's message, said of a string in characters (a checked string type reports its
    length as a generic value's "items")."""
    ctx = error.get("ctx") or {}
    if isinstance(error.get("input"), str):
        if error.get("type") == "too_short" and "min_length" in ctx:
            return f"String should have at least {_characters(ctx['min_length'])}"
        if error.get("type") == "too_long" and "max_length" in ctx:
            return f"String should have at most {_characters(ctx['max_length'])}"
    return _clean_message(str(error.get("msg", "")))


def _characters(count: int) -> str:
    return "1 character" if count == 1 else f"{count} characters"


def _clean_message(message: str) -> str:
    return message.removeprefix("Value error, ")


def has_path_error(exc: RequestValidationError) -> bool:
    return any(tuple(e.get("loc", ()))[:1] == ("path",) for e in exc.errors())


def method_not_allowed(allowed: list[str]) -> StarletteHTTPException:
    return StarletteHTTPException(405, headers={"Allow": ", ".join(allowed)})


def render_validation_error(exc: RequestValidationError, request_id: str) -> Response:
    errors = exc.errors()
    for error in errors:
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "invalid JSON")
            return error_response(
                "bad_request", 400, f"The request body is not valid JSON: {reason}", request_id
            )
    if has_path_error(exc):
        # A malformed id in the path names no object: answer as for any unknown id, before
        # anything the body may have wrong.
        return error_response("not_found", 404, "No such object", request_id)
    details = [ErrorDetail(_blamed_path(e), _message(e)) for e in errors]
    summary = "; ".join(f"{d.field}: {d.message}" for d in details[:3])
    return error_response(
        "validation_error", 422, summary or "Invalid request", request_id, details
    )


def render_error(exc: Exception, request_id: str) -> Response:
    """Render any exception as the API error object. Unknown exceptions say nothing inside."""
    if isinstance(exc, FakturaError):
        return error_response(
            exc.code, exc.status, exc.message, request_id, exc.details, headers=exc.headers or None
        )
    if isinstance(exc, RequestValidationError):
        return render_validation_error(exc, request_id)
    if isinstance(exc, StarletteHTTPException):
        fallback = "bad_request" if exc.status_code < 500 else "internal_error"
        code = STATUS_CODES.get(exc.status_code, fallback)
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        if exc.status_code == 404 and message == "Not Found":
            message = "No such route"
        if exc.status_code == 405:
            message = "Method not allowed on this route"
        return error_response(
            code, exc.status_code, message, request_id, headers=dict(exc.headers or {}) or None
        )
    return error_response("internal_error", 500, "An internal error occurred", request_id)


def install_error_handlers(app: FastAPI) -> None:
    """Expected failures; anything else becomes a 500 in RequestContextMiddleware."""

    async def handle(request: Request, exc: Exception) -> Response:
        if isinstance(exc, StarletteHTTPException) and exc.status_code == 405:
            # Every method the path answers, not only those of the first route that matched.
            table = getattr(request.app.state, "route_table", None)
            if table is not None:
                exc = method_not_allowed(table.allowed(request.url.path))
        return render_error(exc, request_id_of(request.scope))

    app.add_exception_handler(FakturaError, handle)
    app.add_exception_handler(RequestValidationError, handle)
    app.add_exception_handler(StarletteHTTPException, handle)
