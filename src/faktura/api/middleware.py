"""Pure ASGI middleware: request ids, body limits and media types, request metrics."""

import logging
import re
import secrets
import time
from collections.abc import Sequence
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from faktura.api.errors import error_response, render_error
from faktura.core.errors import ServiceUnavailable
from faktura.core.tenant import current_request_id
from faktura.db.errors import is_unavailable
from faktura.ops import logs
from faktura.ops.metrics import Metrics

logger = logging.getLogger("faktura.errors")

_BODY_METHODS = {b"POST", b"PUT", b"PATCH", "POST", "PUT", "PATCH"}


def new_request_id() -> str:
    return "req_" + secrets.token_hex(12)


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


class RequestContextMiddleware:
    """Gives every request an id, enforces the body limit and JSON bodies, and times it.

    The body is read here, up to the limit, and handed on whole: a body over the limit is
    refused with 413 before any route runs, whether or not it announced its length.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        metrics: Metrics,
        large_bodies: Sequence[tuple[re.Pattern[str], int]] = (),
        form_paths: Sequence[re.Pattern[str]] = (),
    ):
        self.app = app
        # Paths whose bodies are HTML forms (the hosted payment page), not JSON.
        self.form_paths = tuple(form_paths)
        self.max_body_bytes = max_body_bytes
        self.metrics = metrics
        # Paths that take more than the limit (uploads), with their own limit.
        self.large_bodies = tuple(large_bodies)

    def _limit(self, path: str) -> int:
        for pattern, limit in self.large_bodies:
            if pattern.match(path):
                return limit
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "HEAD":
            await self._head_as_get(scope, receive, send)
            return
        request_id = new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        request_id_token = current_request_id.set(request_id)  # every log line of the request
        started = time.perf_counter()
        status_holder = [500]
        started_response = [False]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                started_response[0] = True
                status_holder[0] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            if scope["method"] in _BODY_METHODS:
                refusal, receive = await self._read_body(scope, receive, request_id)
                if refusal is not None:
                    await refusal(scope, receive, send_with_id)
                    return
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            if started_response[0]:
                logger.exception(
                    "error after the response began: %s %s", scope["method"], scope["path"]
                )
                raise
            if is_unavailable(exc):
                # Not a bug: the database is down, slow to connect or out of connections.
                logger.warning(
                    "database unavailable for %s %s: %s: %s",
                    scope["method"],
                    scope["path"],
                    type(exc).__name__,
                    str(exc).splitlines()[0] if str(exc) else "",
                )
                failure: Exception = ServiceUnavailable()
            else:
                # The one place an unexpected error becomes a 500: logged in full, shown bare.
                logger.exception("unhandled error in %s %s", scope["method"], scope["path"])
                failure = exc
            await render_error(failure, request_id)(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            seconds = time.perf_counter() - started
            self.metrics.observe(scope["method"], path, status_holder[0], seconds)
            # API paths hold ids only; a page's path may hold a secret (a payment link's
            # token): it is logged as its route.
            shown = scope["path"] if scope["path"].startswith("/v1/") else path
            logs.access(scope["method"], shown, path, status_holder[0], seconds, request_id)
            current_request_id.reset(request_id_token)

    async def _head_as_get(self, scope: Scope, receive: Receive, send: Send) -> None:
        """HEAD is GET without the body (RFC 9110), for every GET route."""

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b"", "more_body": False}
            await send(message)

        await self({**scope, "method": "GET"}, receive, send_headers_only)

    async def _read_body(self, scope: Scope, receive: Receive, request_id: str) -> Any:
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        declared = headers.get(b"content-length")
        limit = self._limit(scope["path"])
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return self._too_large(request_id, limit), receive
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return self._too_large(request_id, limit), receive
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        if body and not _is_json(content_type) and not self._is_form(scope["path"], content_type):
            return error_response(
                "unsupported_media_type",
                415,
                "The request body must be JSON sent as Content-Type: application/json",
                request_id,
            ), receive
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return None, replay

    def _is_form(self, path: str, content_type: str) -> bool:
        media_type = content_type.split(";", 1)[0].strip().lower()
        return media_type == "application/x-www-form-urlencoded" and any(
            pattern.match(path) for pattern in self.form_paths
        )

    def _too_large(self, request_id: str, limit: int) -> Any:
        return error_response(
            "payload_too_large",
            413,
            f"The request body exceeds the limit of {limit} bytes",
            request_id,
        )
