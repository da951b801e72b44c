"""Health, readiness and metrics for operators. No API key needed."""

import asyncio
import logging
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import text
from starlette.responses import Response

from faktura.api.responses import json_response
from faktura.api.runtime import runtime_of
from faktura.core.clock import utcnow
from faktura.db.migrate import current_revision, head_revision
from faktura.jobs import service as jobs_service
from faktura.webhooks import service as webhooks_service

logger = logging.getLogger("faktura.ops")

router = APIRouter(tags=["operations"])

# A probe wants an answer, not a hang: a database that has not answered by then is not ready.
READY_WITHIN_SECONDS = 2.0


@router.get(
    "/healthz",
    summary="Liveness: the process answers",
    description='Always `{"status": "ok"}` while the process serves requests; it reads '
    "nothing, not even the database (see `/readyz`). No API key needed.",
)
async def healthz() -> Response:
    return json_response({"status": "ok"})


@router.get(
    "/readyz",
    summary="Readiness: the database answers and its schema is current",
    description=f"Answers within {READY_WITHIN_SECONDS:g} s: a database that has not answered by "
    "then is reported as `no answer`.",
    responses={503: {"description": "database unreachable or migrations pending"}},
)
async def readyz(request: Request) -> Response:
    runtime = runtime_of(request)
    expected = head_revision()

    async def check() -> str | None:
        async with runtime.db.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            return await connection.run_sync(current_revision)

    try:
        current = await asyncio.wait_for(check(), READY_WITHIN_SECONDS)
    except TimeoutError:
        return json_response(
            {"status": "unavailable", "database": "no answer", "error": "TimeoutError"},
            status_code=503,
        )
    except Exception as exc:
        return json_response(
            {"status": "unavailable", "database": "unreachable", "error": type(exc).__name__},
            status_code=503,
        )
    if current != expected:
        return json_response(
            {
                "status": "unavailable",
                "database": "ok",
                "migrations": "pending",
                "current_revision": current,
                "head_revision": expected,
            },
            status_code=503,
        )
    return json_response(
        {"status": "ok", "database": "ok", "migrations": "current", "revision": current}
    )


@router.get(
    "/metrics",
    summary="Prometheus metrics: this process's HTTP requests, the job queue and webhooks",
    description="The queue's figures (`faktura_jobs`, `faktura_jobs_retrying`, "
    "`faktura_jobs_oldest_due_seconds`) and the webhooks' (`faktura_webhook_deliveries`, "
    "`faktura_webhook_oldest_due_seconds`, `faktura_webhook_endpoints`) are read from the "
    "database on each scrape, over every account; when it is unreachable they are left out and "
    "the HTTP figures are still served.",
    response_class=Response,
    responses={
        200: {
            "description": "The Prometheus text exposition format, version 0.0.4",
            "content": {"text/plain; version=0.0.4; charset=utf-8": {"schema": {"type": "string"}}},
        }
    },
)
async def metrics(request: Request) -> Response:
    runtime = runtime_of(request)
    stats: list[dict[str, Any]] = []
    webhooks: dict[str, Any] | None = None
    try:
        async with runtime.db.transaction(writes=False) as session:
            stats = await jobs_service.queue_stats(session)
            webhooks = await webhooks_service.delivery_stats(session)
    except Exception:
        logger.warning("could not read the job queue for /metrics", exc_info=True)
    now = utcnow()
    runtime.metrics.observe_jobs(stats, now)
    runtime.metrics.observe_webhooks(webhooks, now)
    body = runtime.metrics.render()
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")
