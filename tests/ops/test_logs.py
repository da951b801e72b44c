"""Logs: an access line per request carrying its id, the JSON format, and `faktura serve`
writing them for real."""

import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from faktura.core.tenant import current_request_id
from faktura.db.migrate import upgrade_to_head
from faktura.ops.logs import TEXT_FORMAT, JsonFormatter, RequestIdFilter
from tests.accounts.factories import ApiClient


async def test_each_request_has_an_access_line_with_its_id(
    api: ApiClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="faktura.access"):
        found = await api.get("/v1/customers", params={"per_page": 1})
        missing = await api.get("/v1/customers/01890000-0000-7000-8000-000000000000")
        page = await api.http.get("/pay/not-a-real-token")

    lines = [r for r in caplog.records if r.name == "faktura.access"]
    assert [(r.method, r.path, r.route, r.status) for r in lines] == [  # type: ignore[attr-defined]
        ("GET", "/v1/customers", "/v1/customers", 200),
        (
            "GET",
            "/v1/customers/01890000-0000-7000-8000-000000000000",
            "/v1/customers/{customer_id}",
            404,
        ),
        ("GET", "/pay/{token}", "/pay/{token}", 404),  # a page's token is never logged
    ]
    assert [r.request_id for r in lines] == [  # type: ignore[attr-defined]
        found.headers["x-request-id"],
        missing.headers["x-request-id"],
        page.headers["x-request-id"],
    ]
    assert all(isinstance(r.duration_ms, float) for r in lines)  # type: ignore[attr-defined]


def test_a_json_record_carries_the_request_id_and_its_fields() -> None:
    record = logging.LogRecord("faktura.api", logging.WARNING, __file__, 1, "slow %s", ("x",), None)
    record.status = 503
    token = current_request_id.set("req_abc")
    try:
        RequestIdFilter().filter(record)
    finally:
        current_request_id.reset(token)

    line = json.loads(JsonFormatter().format(record))

    assert {k: v for k, v in line.items() if k != "time"} == {
        "level": "warning",
        "logger": "faktura.api",
        "message": "slow x",
        "request_id": "req_abc",
        "status": 503,
    }
    assert line["time"].endswith("Z")


@pytest.mark.slow
def test_serve_writes_json_logs_with_the_request_id(tmp_path: Path) -> None:
    from tests.listeners import free_port

    url = f"sqlite+aiosqlite:///{tmp_path / 'logs.db'}"
    upgrade_to_head(url)
    port = str(free_port())
    env = {
        **os.environ,
        "FAKTURA_DATABASE_URL": url,
        "FAKTURA_PORT": port,
        "FAKTURA_LOG_FORMAT": "json",
        "FAKTURA_WORKER_IN_PROCESS": "false",
    }
    with tempfile.TemporaryFile() as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "faktura.cli", "serve"], env=env, stdout=output, stderr=output
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    ready = httpx.get(f"http://127.0.0.1:{port}/healthz")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "the server did not start"
                    time.sleep(0.2)
            refused = httpx.get(f"http://127.0.0.1:{port}/v1/customers")
            time.sleep(0.5)
        finally:
            server.terminate()
            server.wait(timeout=30)
        output.seek(0)
        lines = [json.loads(line) for line in output.read().decode().splitlines() if line]

    access = [line for line in lines if line["logger"] == "faktura.access"]
    assert [(a["path"], a["status"], a["request_id"]) for a in access] == [
        ("/healthz", 200, ready.headers["x-request-id"]),
        ("/v1/customers", 401, refused.headers["x-request-id"]),
    ]
    assert any(line["logger"].startswith("uvicorn") for line in lines)  # in the same format


def test_a_text_record_outside_any_request_shows_a_dash() -> None:
    record = logging.LogRecord("faktura.worker", logging.INFO, __file__, 1, "ran", None, None)

    RequestIdFilter("-").filter(record)
    line = logging.Formatter(TEXT_FORMAT).format(record)

    assert line.endswith(" INFO faktura.worker [-] ran")
