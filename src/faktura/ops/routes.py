"""Health, readiness and metrics for operators. No API key needed."""

from fastapi import APIRouter, Request
from sqlalchemy import text
from starlette.responses import Response

from faktura.api.responses import json_response
from faktura.api.runtime import runtime_of
from faktura.db.migrate import current_revision, head_revision

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> Response:
    return json_response({"status": "ok"})


@router.get(
    "/readyz",
    summary="Readiness: the database answers and its schema is current",
    responses={503: {"description": "database unreachable or migrations pending"}},
)
async def readyz(request: Request) -> Response:
    runtime = runtime_of(request)
    expected = head_revision()
    try:
        async with runtime.db.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            current = await connection.run_sync(current_revision)
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


@router.get("/metrics", summary="Prometheus metrics of this process")
async def metrics(request: Request) -> Response:
    body = runtime_of(request).metrics.render()
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")
