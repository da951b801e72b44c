"""The client's own behaviour: keys and modes, what is sent, errors, tolerant parsing, the last
response."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

import faktura_sdk
from faktura_sdk import ERROR_CLASSES, AsyncFaktura, Faktura, models
from faktura_sdk._json import loads
from tests.scripted import TAG
from tests.server import Credentials, FakturaServer

TEST_KEY = "fk_test_" + "c" * 32


def mocked(answer: httpx.Response, seen: list[httpx.Request]) -> Faktura:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer

    http = httpx.Client(transport=httpx.MockTransport(handler))
    return Faktura(TEST_KEY, "http://faktura.test/", http_client=http, max_retries=0)


def test_the_mode_follows_the_key() -> None:
    assert Faktura("fk_test_abc").livemode is False
    assert Faktura("fk_live_abc").livemode is True
    with pytest.raises(ValueError, match="neither"):
        _ = Faktura("sk_abc").livemode


def test_the_key_and_base_url_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAKTURA_API_KEY", raising=False)
    with pytest.raises(faktura_sdk.FakturaError, match="No API key"):
        Faktura()
    monkeypatch.setenv("FAKTURA_API_KEY", "fk_live_env")
    monkeypatch.setenv("FAKTURA_BASE_URL", "https://billing.example.com/")
    client = Faktura()
    assert client.api_key == "fk_live_env"
    assert client.base_url == "https://billing.example.com"


def test_omitted_arguments_are_not_sent_and_none_is_sent_as_null() -> None:
    seen: list[httpx.Request] = []
    client = mocked(httpx.Response(404, json={"error": {"code": "not_found"}}), seen)
    with pytest.raises(faktura_sdk.NotFoundError):
        client.customers.update("c1", notes=None, company_name="Globex")
    request = seen[0]
    assert request.method == "PATCH"
    assert request.url.path == "/v1/customers/c1"
    assert json.loads(request.content) == {"company_name": "Globex", "notes": None}
    assert request.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert request.headers["content-type"] == "application/json"
    assert "idempotency-key" not in request.headers  # only POSTs carry one


def test_query_parameters_path_parameters_and_extras() -> None:
    seen: list[httpx.Request] = []
    client = mocked(httpx.Response(404, json={"error": {"code": "not_found"}}), seen)
    with pytest.raises(faktura_sdk.NotFoundError):
        client.invoices.list(
            status=["pending", "overdue"],
            from_="2026-01-01",
            include_total=True,
            extra_query={"x": 1},
        )
    params = seen[0].url.params
    assert params.get_list("status") == ["pending", "overdue"]
    assert params["from"] == "2026-01-01"
    assert params["include_total"] == "true"
    assert params["x"] == "1"
    with pytest.raises(faktura_sdk.NotFoundError):
        client.email_suppressions.delete("a+b@example.com")
    assert seen[1].url.raw_path == b"/v1/email_suppressions/a%2Bb%40example.com"
    with pytest.raises(faktura_sdk.NotFoundError):
        client.tags.create(name="vip", extra_body={"future_field": 1}, extra_headers={"X-A": "b"})
    assert json.loads(seen[2].content) == {"name": "vip", "future_field": 1}
    assert seen[2].headers["x-a"] == "b"


def test_an_unknown_keyword_argument_is_a_type_error() -> None:
    client = mocked(httpx.Response(200, json={}), [])
    with pytest.raises(TypeError, match="contacts"):
        client.suppliers.create(company_name="x", contacts=[])  # type: ignore[call-arg]


@pytest.mark.parametrize(("code", "cls"), sorted(ERROR_CLASSES.items()))
def test_each_error_code_raises_its_class(code: str, cls: type[faktura_sdk.FakturaError]) -> None:
    body = {"error": {"code": code, "message": "m", "status": 400, "request_id": "req_b"}}
    client = mocked(httpx.Response(400, json=body, headers={"x-request-id": "req_h"}), [])
    with pytest.raises(cls) as raised:
        client.tags.list()
    assert type(raised.value) is cls
    assert raised.value.code == code
    assert raised.value.request_id == "req_b"  # the body's: a replay names the first attempt


def test_an_unknown_code_or_a_body_that_is_no_error_falls_back_to_the_status() -> None:
    body = {"error": {"code": "brand_new", "message": "m", "status": 409, "request_id": "r"}}
    with pytest.raises(faktura_sdk.ConflictError) as raised:
        mocked(httpx.Response(409, json=body), []).tags.list()
    assert raised.value.code == "brand_new"
    proxy = httpx.Response(502, text="Bad gateway", headers={"x-request-id": "req_p"})
    with pytest.raises(faktura_sdk.FakturaError) as failed:
        mocked(proxy, []).tags.list()
    assert failed.value.status == 502
    assert failed.value.request_id == "req_p"


def test_every_error_code_of_the_document_has_its_class(server: FakturaServer) -> None:
    document: dict[str, Any] = httpx.get(f"{server.base_url}/openapi.json", timeout=30).json()
    codes = set(document["components"]["schemas"]["ErrorCode"]["enum"])
    assert codes == set(ERROR_CLASSES)
    assert {cls.__name__ for cls in ERROR_CLASSES.values()} >= {
        "NotFoundError",
        "ValidationError",
        "AuthenticationError",
        "PermissionDeniedError",
        "ConflictError",
        "RateLimitError",
        "InvalidStateError",
    }


def test_a_newer_servers_values_and_fields_do_not_break_parsing(
    server: FakturaServer, account: Credentials
) -> None:
    with Faktura(account.api_key, server.base_url) as client:
        customer = client.customers.create(
            company_name="Tolerant Ltd",
            contacts=[{"contact_name": "Tol", "email": "tol@example.com"}],
        )
        invoice = client.invoices.create(
            customer_id=customer.id, line_items=[{"description": "x", "unit_price": 1}]
        )
        raw = httpx.get(
            f"{server.base_url}/v1/invoices/{invoice.id}",
            headers={"Authorization": f"Bearer {account.api_key}"},
        ).content
    known = models.Document.model_validate(loads(raw))
    assert known.status is models.DocumentStatus.PENDING

    newer = loads(raw)
    newer["status"] = "frozen"
    newer["vat_type"] = "reverse_charge"
    newer["carbon_footprint"] = {"kg": 1.5}
    parsed = models.Document.model_validate(newer)
    assert parsed.status == "frozen"
    assert type(parsed.status) is str
    assert parsed.vat_type == "reverse_charge"
    assert parsed.model_extra == {"carbon_footprint": {"kg": 1.5}}
    assert parsed.model_dump(mode="json")["status"] == "frozen"


def test_a_key_without_the_scope_is_refused_with_its_own_error(
    server: FakturaServer, account: Credentials
) -> None:
    with Faktura(account.api_key, server.base_url) as client:
        narrow = client.api_keys.create(name="Read only", scopes=["documents:read"])
    with Faktura(narrow.key, server.base_url) as reader:
        reader.invoices.list(per_page=1)
        with pytest.raises(faktura_sdk.PermissionDeniedError) as raised:
            reader.customers.create(
                company_name="Nope", contacts=[{"contact_name": "N", "email": "n@example.com"}]
            )
    assert raised.value.status == 403
    assert raised.value.code == "insufficient_scope"
    assert raised.value.request_id is not None
    assert raised.value.request_id.startswith("req_")


def test_the_last_response_and_idempotent_replays(
    server: FakturaServer, account: Credentials
) -> None:
    with Faktura(account.api_key, server.base_url) as client:
        first = client.tags.create(name="replayed", idempotency_key="tag-replayed-1")
        response = client.last_response
        assert response is not None
        assert response.status_code == 201
        assert response.operation_id == "create_tag"
        assert response.idempotency_key == "tag-replayed-1"
        assert response.idempotent_replayed is False
        assert response.request_id is not None

        again = client.tags.create(name="replayed", idempotency_key="tag-replayed-1")
        assert again.id == first.id
        assert client.last_response is not None
        assert client.last_response.idempotent_replayed is True

        with pytest.raises(faktura_sdk.IdempotencyConflictError):
            client.tags.create(name="other", idempotency_key="tag-replayed-1")
        with pytest.raises(faktura_sdk.ValidationError) as raised:
            client.invoices.list(per_page=500)
        assert raised.value.param == "per_page"


def test_the_last_response_is_each_asyncio_tasks_own() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0)  # let the other task's request interleave
        return httpx.Response(200, json={**TAG, "id": request.url.path.rsplit("/", 1)[-1]})

    async def fetch(client: AsyncFaktura, tag_id: str) -> str | None:
        for _ in range(5):
            await client.tags.retrieve(tag_id)
            await asyncio.sleep(0)
        response = client.last_response
        return None if response is None else response.http_response.request.url.path

    async def run() -> list[str | None]:
        http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        async with AsyncFaktura(TEST_KEY, "http://faktura.test", http_client=http) as client:
            return list(await asyncio.gather(fetch(client, "a"), fetch(client, "b")))

    assert asyncio.run(run()) == ["/v1/tags/a", "/v1/tags/b"]


def test_with_raw_response_gives_the_status_and_headers_with_the_object(
    server: FakturaServer, account: Credentials
) -> None:
    with Faktura(account.api_key, server.base_url) as client:
        created = client.with_raw_response.tags.create(name="raw", idempotency_key="raw-tag-1")
        assert created.status_code == 201
        assert isinstance(created.parsed, models.Tag)
        assert created.parse().name == "raw"
        assert created.request_id is not None
        assert created.request_id.startswith("req_")
        assert created.headers["content-type"].startswith("application/json")
        replay = client.with_raw_response.tags.create(name="raw", idempotency_key="raw-tag-1")
        assert replay.idempotent_replayed is True
        assert replay.parsed.id == created.parsed.id
        pdf = client.with_raw_response.account.preview_branding()
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.parsed.startswith(b"%PDF")

    async def run() -> None:
        async with AsyncFaktura(account.api_key, server.base_url) as client:
            page = await client.with_raw_response.tags.list(per_page=1)
            assert page.status_code == 200
            assert len(page.parsed.data) == 1
            tag = await client.with_raw_response.tags.retrieve(page.parsed.data[0].id)
            assert tag.http_response.request.url.path.endswith(page.parsed.data[0].id)

    asyncio.run(run())
