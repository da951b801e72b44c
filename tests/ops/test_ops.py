"""Health, readiness, metrics, the OpenAPI document and the offline docs page."""

import asyncio
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from faktura.api.openapi import EVENT_OBJECTS
from faktura.app import create_app
from faktura.config import Settings
from faktura.events.catalog import EVENT_TYPES
from tests.accounts.factories import ApiClient
from tests.api.documented import schema_error
from tests.assertions import assert_error
from tests.customers.factories import create_customer
from tests.listeners import closed_port, silent_listener


async def test_healthz(http: httpx.AsyncClient) -> None:
    response = await http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_database_and_migrations(http: httpx.AsyncClient) -> None:
    from faktura.db.migrate import head_revision

    response = await http.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "migrations": "current",
        "revision": head_revision(),
    }


async def test_readyz_is_503_when_the_database_is_unreachable(settings: Settings) -> None:
    app = create_app(
        settings.model_copy(update={"database_url": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


async def _call(settings: Settings, path: str, **update: object) -> httpx.Response:
    app = create_app(settings.model_copy(update=update))
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as client:
            # A bound that ends a hang, not a timing.
            return await asyncio.wait_for(
                client.get(path, headers={"Authorization": f"Bearer fk_test_{'x' * 32}"}), 30
            )
    finally:
        await app.state.runtime.db.dispose()


async def test_readyz_answers_when_postgresql_accepts_and_never_answers(
    settings: Settings,
) -> None:
    with silent_listener() as port:
        response = await _call(
            settings,
            "/readyz",
            database_url=f"postgresql://postgres@127.0.0.1:{port}/faktura",
            database_connect_timeout_seconds=60,
        )

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "no answer",
        "error": "TimeoutError",
    }


async def test_a_request_is_503_with_retry_after_when_postgresql_never_answers(
    settings: Settings,
) -> None:
    with silent_listener() as port:
        response = await _call(
            settings,
            "/v1/account",
            database_url=f"postgresql://postgres@127.0.0.1:{port}/faktura",
            database_connect_timeout_seconds=1,
        )

    assert_error(response, 503, "service_unavailable")
    assert response.headers["retry-after"] == "5"


@pytest.mark.parametrize("database", ["postgresql", "sqlite"])
async def test_a_request_is_503_when_the_database_is_down(
    settings: Settings, database: str, tmp_path: Path
) -> None:
    url = {
        "postgresql": f"postgresql://postgres@127.0.0.1:{closed_port()}/faktura",
        "sqlite": f"sqlite:///{tmp_path / 'no-such-directory' / 'faktura.db'}",
    }[database]

    response = await _call(settings, "/v1/account", database_url=url)

    error = assert_error(response, 503, "service_unavailable")
    assert error["message"] == (
        "The service is temporarily unavailable; nothing was changed, retry later"
    )
    assert response.headers["retry-after"] == "5"


async def test_readyz_is_503_when_migrations_are_pending(tmp_path) -> None:
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        response = await client.get("/readyz")
    await app.state.runtime.db.dispose()
    assert response.status_code == 503
    assert response.json()["migrations"] == "pending"
    assert response.json()["current_revision"] is None


async def test_metrics_count_requests_by_route_template(api: ApiClient) -> None:
    await api.get("/v1/events/01890000-0000-7000-8000-000000000000")
    metrics = await api.http.get("/metrics")

    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert (
        'faktura_http_requests_total{method="GET",route="/v1/events/{event_id}",status="404"}'
    ) in text
    assert "faktura_http_request_duration_seconds_bucket" in text


async def test_openapi_is_valid_3_1_and_documents_errors(http: httpx.AsyncClient) -> None:
    spec = (await http.get("/openapi.json")).json()

    validate(spec)
    assert spec["openapi"].startswith("3.1")
    account_get = spec["paths"]["/v1/account"]["get"]["responses"]
    assert {"200", "401", "403", "429", "500"} <= set(account_get)
    key_post = spec["paths"]["/v1/api_keys"]["post"]["responses"]
    assert {"201", "400", "401", "403", "409", "413", "415", "422", "429"} <= set(key_post)
    assert key_post["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorResponse"
    }
    assert "ErrorResponse" in spec["components"]["schemas"]
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


async def test_every_api_operation_declares_404(http: httpx.AsyncClient) -> None:
    """A collection's POST or GET names ids in its body or query (customer_id, invoice_id…)."""
    spec = (await http.get("/openapi.json")).json()
    without = [
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        if path.startswith("/v1/")
        for method, operation in operations.items()
        if "404" not in operation["responses"]
    ]
    assert without == []


async def test_operation_ids_are_short_unique_and_tagged_with_described_tags(
    http: httpx.AsyncClient,
) -> None:
    spec = (await http.get("/openapi.json")).json()
    operations = [op for methods in spec["paths"].values() for op in methods.values()]
    ids = [op["operationId"] for op in operations]
    described = {tag["name"] for tag in spec["tags"] if tag["description"]}

    assert len(ids) == len(set(ids))
    assert [i for i in ids if not re.fullmatch(r"[a-z]+(_[a-z]+)*", i)] == []
    assert spec["paths"]["/v1/invoices"]["post"]["operationId"] == "create_invoice"
    assert spec["paths"]["/v1/payment_links"]["get"]["operationId"] == "list_payment_links"
    assert {tag for op in operations for tag in op["tags"]} <= described


async def test_headers_are_declared_where_they_are_sent_and_taken(
    http: httpx.AsyncClient,
) -> None:
    spec = (await http.get("/openapi.json")).json()
    missing = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            where = f"{method.upper()} {path}"
            taken = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
            if path.startswith("/v1/") and method == "post" and "Idempotency-Key" not in taken:
                missing.append(f"{where}: Idempotency-Key")
            for status, response in operation["responses"].items():
                sent = set(response.get("headers", {}))
                wanted = {"X-Request-Id"}
                if status in ("429", "503"):
                    wanted.add("Retry-After")
                if path.startswith("/v1/") and status.startswith("2"):
                    wanted |= {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}
                missing += [f"{where} {status}: {name}" for name in sorted(wanted - sent)]

    assert missing == []
    assert set(spec["components"]["headers"]) == {
        "X-Request-Id",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
        "Retry-After",
        "Idempotent-Replayed",
    }


async def test_summaries_read_as_english(http: httpx.AsyncClient) -> None:
    spec = (await http.get("/openapi.json")).json()
    summaries = [op["summary"] for methods in spec["paths"].values() for op in methods.values()]

    assert [s for s in summaries if re.search(r"\ba [aeiou]", s)] == []
    assert "Create an invoice" in summaries


async def test_metrics_are_declared_as_prometheus_text(http: httpx.AsyncClient) -> None:
    spec = (await http.get("/openapi.json")).json()

    content = spec["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert list(content) == ["text/plain; version=0.0.4; charset=utf-8"]


async def test_every_schema_property_is_described(http: httpx.AsyncClient) -> None:
    spec = (await http.get("/openapi.json")).json()
    undocumented = []
    for name, schema in spec["components"]["schemas"].items():
        if name in ("HTTPValidationError", "ValidationError"):
            continue
        for prop, definition in (schema.get("properties") or {}).items():
            if prop == "object":
                continue
            if "description" not in definition and "$ref" not in definition:
                undocumented.append(f"{name}.{prop}")
    assert undocumented == []


async def test_docs_render_offline_from_local_assets(http: httpx.AsyncClient) -> None:
    page = await http.get("/docs")
    assert page.status_code == 200
    assert "https://" not in page.text.split("<body>")[0] or "cdn" not in page.text
    assert "/static-offline-docs/swagger-ui-bundle.js" in page.text
    bundle = await http.get("/static-offline-docs/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    assert len(bundle.content) > 100_000


async def test_metrics_show_webhook_deliveries_and_endpoints(
    api: ApiClient, http: httpx.AsyncClient, clock: list[datetime]
) -> None:
    """Pending and failed deliveries, the most overdue one's wait, endpoints by state: counted
    over every account, so the figures are compared before and after this test's changes."""
    before = _webhook_figures((await http.get("/metrics")).text)
    endpoint = (
        await api.post(
            "/v1/webhook_endpoints",
            json={"url": "https://hooks.example.com/faktura", "events": ["customer.created"]},
        )
    ).json()
    await create_customer(api)
    await create_customer(api)
    disabled = (
        await api.post(
            "/v1/webhook_endpoints",
            json={"url": "https://hooks.example.com/off", "events": ["customer.created"]},
        )
    ).json()
    await api.patch(f"/v1/webhook_endpoints/{disabled['id']}", json={"is_active": False})
    clock[0] += timedelta(minutes=10)

    after = _webhook_figures((await http.get("/metrics")).text)

    assert endpoint["is_active"] is True
    assert after["pending"] - before["pending"] == 2
    assert after["active"] - before["active"] == 1
    assert after["disabled"] - before["disabled"] == 1
    assert after["oldest_due"] >= 600


def _webhook_figures(text: str) -> dict[str, float]:
    wanted = {
        "pending": 'faktura_webhook_deliveries{status="pending"}',
        "failed": 'faktura_webhook_deliveries{status="failed"}',
        "oldest_due": "faktura_webhook_oldest_due_seconds",
        "active": 'faktura_webhook_endpoints{state="active"}',
        "disabled": 'faktura_webhook_endpoints{state="disabled"}',
    }
    lines = dict(line.rsplit(" ", 1) for line in text.splitlines() if not line.startswith("#"))
    return {name: float(lines.get(metric, "0")) for name, metric in wanted.items()}


async def test_webhooks_section_describes_each_event_as_delivered(
    api: ApiClient, http: httpx.AsyncClient
) -> None:
    spec = (await http.get("/openapi.json")).json()
    await create_customer(api)
    event = (await api.get("/v1/events", params={"type": "customer.created"})).json()["data"][0]

    def body_schema(event_type: str) -> dict[str, Any]:
        operation = spec["webhooks"][event_type]["post"]
        schema: dict[str, Any] = operation["requestBody"]["content"]["application/json"]["schema"]
        return schema

    assert sorted(spec["webhooks"]) == sorted(EVENT_TYPES)
    assert set(EVENT_OBJECTS.values()) <= set(spec["components"]["schemas"])
    assert {t.split(".")[0] for t in EVENT_TYPES} - set(EVENT_OBJECTS) == {
        "account",
        "api_key",
        "webhook",
    }
    assert schema_error(spec, body_schema("customer.created"), event) is None
    wrong_type = schema_error(spec, body_schema("customer.deleted"), event)
    assert wrong_type is not None
    assert wrong_type.startswith("type:")
    not_a_customer = {**event, "data": {"object": {"id": event["object_id"]}}}
    assert schema_error(spec, body_schema("customer.created"), not_a_customer) is not None
    headers = [p["name"] for p in spec["webhooks"]["invoice.paid"]["post"]["parameters"]]
    assert headers == ["webhook-id", "webhook-timestamp", "webhook-signature"]
