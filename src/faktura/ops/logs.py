"""The server's and the worker's logs: one line per record on stderr, as text or as JSON
(`FAKTURA_LOG_FORMAT`), each carrying the id of the request it belongs to; and the access log,
one line per request with its method, route, status, time and request id.

Faktura configures logging itself (uvicorn is told not to), so uvicorn's own lines take the same
format.
"""

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from faktura.core.tenant import current_request_id

access_logger = logging.getLogger("faktura.access")

# The attributes every LogRecord has: what is left are the `extra` fields of the call.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
}


class RequestIdFilter(logging.Filter):
    """Gives each record the id of the request being served (None outside one)."""

    def __init__(self, missing: str | None = None) -> None:
        super().__init__()
        self.missing = missing  # what a record outside any request shows

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id.get() or self.missing
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, message, request_id, the call's
    `extra` fields, and the traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat().replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def configure(level: str, fmt: str) -> None:
    """Send every logger's records to stderr in `fmt` (text or json) at `level`."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter(None if fmt == "json" else "-"))
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    # Alembic tells of every plugin it loads at INFO: only its warnings are news.
    logging.getLogger("alembic").setLevel(max(root.level, logging.WARNING))


def access(
    method: str, path: str, route: str, status: int, seconds: float, request_id: str
) -> None:
    access_logger.info(
        "%s %s %d %.1f ms",
        method,
        path,
        status,
        seconds * 1000,
        extra={
            "method": method,
            "path": path,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "request_id": request_id,
        },
    )
