"""The route class of the API: authentication, rate limits, idempotency and the unit of work.

Every /v1 route runs through `ApiRoute`, in this order:
1. authenticate the API key and count the request against its plan's rate limits, before any
   transaction opens (counting has a short timeout and fails open);
2. for a POST with Idempotency-Key: claim the key (or replay its stored response);
3. open one transaction, run the route, and commit only when it answered below 400 (a unique
   constraint that refuses the writes — a concurrent request was first — answers 409);
4. keep the response for the idempotency key in that same transaction;
5. a read route (GET) that found something to write — an issued document's PDF archived on its
   first download — does it after its read transaction, in a write transaction of its own
   (`write_after`).
"""

import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from functools import partial
from typing import Any

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security import HTTPBearer
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from faktura.api import idempotency
from faktura.api.auth import Principal, authenticate, check_scope
from faktura.api.errors import has_path_error, method_not_allowed, render_error
from faktura.api.ratelimit import RateLimitState
from faktura.api.responses import FakturaRequest
from faktura.api.runtime import Runtime, runtime_of
from faktura.core.errors import Conflict, ErrorDetail, FakturaError, ValidationFailed
from faktura.core.tenant import current_request_id

logger = logging.getLogger("faktura.api")

ERROR_SCHEMA_REF = {"$ref": "#/components/schemas/ErrorResponse"}
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _error_doc(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": ERROR_SCHEMA_REF}},
    }


ERROR_DOCS: dict[int, str] = {
    400: "bad_request: malformed JSON or an invalid header",
    401: "unauthorized: missing, invalid or revoked API key",
    403: "insufficient_scope: the key lacks the scope of this route",
    404: "not_found: no object of this account and mode has an id the path, body or query names",
    409: "conflict, invalid_state or idempotency_conflict",
    413: "payload_too_large: body over 1 MiB",
    415: "unsupported_media_type: body is not application/json",
    422: "validation_error: see details[] for each invalid field",
    429: "rate_limited: see Retry-After",
    500: "internal_error: a fault of Faktura's, logged with the request id",
    503: "service_unavailable: the database cannot be reached; nothing was changed, see "
    "Retry-After",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: _error_doc(ERROR_DOCS[status]) for status in statuses}


FollowUp = Callable[[AsyncSession], Awaitable[object]]


def write_after(request: Request, follow_up: FollowUp) -> None:
    """Run `follow_up` in a write transaction once the route's read transaction has ended and
    its answer is a success. A read transaction never writes: on SQLite it cannot become a
    writer once another connection has written since it began. A follow-up that fails is
    logged and leaves the answer as it was: it may only record what a job would record too."""
    follow_ups: list[FollowUp] = getattr(request.state, "follow_ups", [])
    request.state.follow_ups = [*follow_ups, follow_up]


async def _run_follow_ups(request: Request, runtime: Runtime) -> None:
    for follow_up in getattr(request.state, "follow_ups", ()):
        try:
            async with runtime.db.transaction() as session:
                await follow_up(session)
        except Exception:
            logger.warning("a read route's follow-up write failed", exc_info=True)


class _Rollback(Exception):
    """The route answered with an error status: undo its writes, keep its response."""

    def __init__(self, response: Response):
        self.response = response


bearer_scheme = HTTPBearer(auto_error=False, description="An API key: fk_live_… or fk_test_…")


class ApiRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any):
        methods = {m.upper() for m in kwargs.get("methods") or ["GET"]}
        # 404 on every route: a path id, or an id in the body or the query, may name nothing.
        statuses = [401, 403, 404, 429, 500, 503]
        if methods & {"POST", "PATCH", "PUT"}:
            statuses += [400, 413, 415]
        if "POST" in methods:
            statuses.append(409)
        statuses.append(422)
        kwargs["responses"] = {**error_responses(*statuses), **(kwargs.get("responses") or {})}
        kwargs["dependencies"] = [Depends(bearer_scheme), *(kwargs.get("dependencies") or [])]
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        known = frozenset(_query_names(self.dependant))

        async def route_handler(request: Request) -> Response:
            request = FakturaRequest(request.scope, request.receive)
            runtime = runtime_of(request)
            token = current_request_id.set(request.scope["state"].get("request_id"))
            try:
                return await _serve(request, runtime, handler, known)
            finally:
                current_request_id.reset(token)

        return route_handler


def _query_names(dependant: Dependant) -> list[str]:
    """Every query parameter the route and its dependencies declare, by the name sent."""
    names = [param.alias for param in dependant.query_params]
    for dependency in dependant.dependencies:
        names += _query_names(dependency)
    return names


def _check_query(request: Request, known: frozenset[str]) -> None:
    """A query parameter the route does not know is refused, as an unknown body field is: a
    misspelt filter must not answer everything."""
    unknown = sorted({name for name in request.query_params if name not in known})
    if unknown:
        raise ValidationFailed(
            f"Unknown query parameter: {', '.join(unknown)}",
            [ErrorDetail(name, "unknown query parameter") for name in unknown],
        )


async def _serve(
    request: Request,
    runtime: Runtime,
    handler: Callable[[Request], Coroutine[Any, Any, Response]],
    known_query: frozenset[str],
) -> Response:
    request_id = request.scope["state"]["request_id"]
    writes = request.method not in _READ_METHODS
    limit_state: RateLimitState | None = None
    claimed: idempotency.Claim | None = None
    try:
        # Who is asking, and whether their plan allows another request, are settled before a
        # transaction opens: a slow rate-limit store must never hold a pooled connection.
        principal = await _authenticate(request, runtime)
        limit_state = await runtime.limiter.hit(principal.key_id, principal.plan)
        _check_query(request, known_query)
        idempotency_key = request.headers.get("idempotency-key")
        if idempotency_key is not None and request.method == "POST":
            async with runtime.db.transaction() as session:
                outcome = await _claim(
                    request,
                    session,
                    principal,
                    idempotency_key,
                    timedelta(hours=runtime.settings.idempotency_ttl_hours),
                )
            if isinstance(outcome, idempotency.Replay):
                response = Response(outcome.body, outcome.status, media_type="application/json")
                response.headers["Idempotent-Replayed"] = "true"
                return _with_limits(response, limit_state)
            claimed = outcome
        try:
            async with runtime.db.transaction(writes=writes) as session:
                request.state.session = session
                request.state.principal = principal
                response = await handler(request)
                if response.status_code >= 400:
                    raise _Rollback(response)
                if claimed is not None and not _is_json(response):
                    # A binary answer (a PDF preview) changes nothing and is not kept: a retry
                    # with the key makes it again.
                    await idempotency.release(session, claimed)
                elif claimed is not None:
                    # A route whose answer holds a secret gives a redacted body to keep.
                    kept = getattr(request.state, "idempotent_body", None)
                    await idempotency.complete(
                        session, claimed, response.status_code, kept or bytes(response.body)
                    )
        except _Rollback as rollback:
            response = rollback.response
        except IntegrityError as exc:
            if not _is_unique_violation(exc):
                raise
            # A concurrent request wrote the same unique value first: nothing of ours is kept.
            raise Conflict("A concurrent request changed the same data; retry") from exc
        if response.status_code < 400:
            await _run_follow_ups(request, runtime)
        if runtime.keys.needs_use_recorded(principal):
            await _record_key_use(runtime, principal)
    except (FakturaError, RequestValidationError, StarletteHTTPException) as exc:
        if isinstance(exc, FakturaError) and "X-RateLimit-Limit" in exc.headers:
            limit_state = None  # the error already carries the window that refused it
        response = render_error(_fixed_path_method(request, exc), request_id)
    except BaseException:
        if claimed is not None:
            async with runtime.db.transaction() as session:
                await idempotency.release(session, claimed)
        raise
    if claimed is not None and response.status_code >= 400:
        await _settle_failed_claim(runtime, claimed, response)
    return _with_limits(response, limit_state)


def _is_json(response: Response) -> bool:
    return (response.media_type or "").startswith("application/json")


def _fixed_path_method(request: Request, exc: Exception) -> Exception:
    """PATCH /v1/customers/bulk_tags reaches PATCH /v1/customers/{customer_id} with an id that is
    no id; the path is a fixed route's, which PATCH is not allowed on: 405, not 404 or 422."""
    if not isinstance(exc, RequestValidationError) or not has_path_error(exc):
        return exc
    table = getattr(request.app.state, "route_table", None)
    allowed = table.allowed(request.url.path, fixed_only=True) if table is not None else []
    return method_not_allowed(allowed) if allowed else exc


async def _authenticate(request: Request, runtime: Runtime) -> Principal:
    """The key's principal; a database read only when this process has not just checked it."""
    return await authenticate(
        request.headers.get("authorization"),
        runtime.keys,
        partial(runtime.db.transaction, writes=False),
    )


def _is_unique_violation(exc: IntegrityError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)  # PostgreSQL
    return sqlstate == "23505" or "UNIQUE constraint failed" in str(exc.orig)  # or SQLite


async def _claim(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    key: str,
    ttl: timedelta,
) -> idempotency.Claim | idempotency.Replay:
    idempotency.validate_key(key)
    body = await request.body()
    request_fingerprint = idempotency.fingerprint(
        principal.key_id, request.method, request.url.path, request.url.query, body
    )
    try:
        async with session.begin_nested():
            return await idempotency.claim(session, principal.tenant, key, request_fingerprint, ttl)
    except IntegrityError as exc:
        raise Conflict("A request with this Idempotency-Key is still being processed") from exc


async def _settle_failed_claim(
    runtime: Runtime,
    claimed: idempotency.Claim,
    response: Response,
) -> None:
    try:
        async with runtime.db.transaction() as session:
            if response.status_code >= 500 or response.status_code in idempotency.UNSTORED_STATUSES:
                await idempotency.release(session, claimed)
            else:
                await idempotency.complete(
                    session, claimed, response.status_code, bytes(response.body)
                )
    except Conflict:
        pass  # a retry took the claim over; its own answer will be kept


async def _record_key_use(runtime: Runtime, principal: Principal) -> None:
    """Record when the key was last used. Best effort: the request already succeeded."""
    try:
        async with runtime.db.transaction() as session:
            await runtime.keys.record_use(session, principal)
    except Exception:
        logger.warning("could not record last use of API key %s", principal.key_id, exc_info=True)


def _with_limits(response: Response, state: RateLimitState | None) -> Response:
    if state is not None:
        response.headers.update(state.headers())
    return response


# Dependencies are coroutines: FastAPI runs a plain function dependency in a worker thread,
# a hop per dependency per request for what is a dictionary lookup.


async def get_session(request: Request) -> AsyncSession:
    session: AsyncSession = request.state.session
    return session


def get_principal(request: Request) -> Principal:
    principal: Principal = request.state.principal
    return principal


def require_scope(scope: str) -> Callable[[Request], Awaitable[Principal]]:
    """Dependency: the request's principal, refused with 403 unless its key has `scope`."""

    async def dependency(request: Request) -> Principal:
        principal = get_principal(request)
        check_scope(principal, scope)
        return principal

    dependency.__name__ = f"require_scope_{scope.replace(':', '_').replace('*', 'all')}"
    return dependency
