"""Every failure answers with the one error object, and every response has a request id."""

import httpx
from fastapi import Depends

from faktura.api.router import api_router
from faktura.api.routing import require_scope
from faktura.app import create_app
from faktura.config import Settings
from tests.accounts.factories import ApiClient
from tests.assertions import REQUEST_ID, assert_error


async def test_missing_key_is_401(http: httpx.AsyncClient) -> None:
    assert_error(await http.get("/v1/account"), 401, "unauthorized")


async def test_malformed_and_unknown_keys_are_401(api: ApiClient) -> None:
    for header in (
        "Basic abc",
        "Bearer",
        "Bearer sk_live_123",
        "Bearer fk_test_" + "x" * 32,
        "Bearer " + api.key + "x",
    ):
        response = await api.http.get("/v1/account", headers={"Authorization": header})
        assert_error(response, 401, "unauthorized")


async def test_revoked_key_is_401(api: ApiClient) -> None:
    created = (await api.post("/v1/api_keys", json={"name": "temp"})).json()
    temp = api.with_key(created["key"])
    assert (await temp.get("/v1/account")).status_code == 200

    assert (await api.delete(f"/v1/api_keys/{created['id']}")).status_code == 200

    error = assert_error(await temp.get("/v1/account"), 401, "unauthorized")
    assert error["message"] == "Invalid or revoked API key"


async def test_unknown_route_is_404_and_wrong_method_is_405(api: ApiClient) -> None:
    assert_error(await api.get("/v1/nothing_here"), 404, "not_found")
    assert_error(await api.delete("/v1/account"), 405, "method_not_allowed")


async def test_malformed_json_is_400(api: ApiClient) -> None:
    response = await api.http.patch(
        "/v1/account",
        content=b'{"name": "x",',
        headers={"Authorization": f"Bearer {api.key}", "Content-Type": "application/json"},
    )
    error = assert_error(response, 400, "bad_request")
    assert "not valid JSON" in str(error["message"])


async def test_nan_is_not_json(api: ApiClient) -> None:
    response = await api.http.patch(
        "/v1/account",
        content=b'{"vat_rates": [{"name": "x", "rate": NaN}]}',
        headers={"Authorization": f"Bearer {api.key}", "Content-Type": "application/json"},
    )
    assert_error(response, 400, "bad_request")


async def test_body_that_is_not_an_object_is_422(api: ApiClient) -> None:
    response = await api.patch("/v1/account", json=[1, 2])
    error = assert_error(response, 422, "validation_error")
    assert error["details"] == [
        {
            "field": "body",
            "message": "Input should be a valid dictionary or object to extract fields from",
        }
    ]


async def test_a_bare_number_body_is_422_and_changes_nothing(api: ApiClient) -> None:
    before = (await api.get("/v1/account")).json()
    for body in (b"0.5", b"2.2e-103", b"7"):
        response = await api.http.patch(
            "/v1/account",
            content=body,
            headers={"Authorization": f"Bearer {api.key}", "Content-Type": "application/json"},
        )
        error = assert_error(response, 422, "validation_error")
        assert [d["field"] for d in error["details"]] == ["body"], body
    assert (await api.get("/v1/account")).json() == before


async def test_non_json_body_is_415(api: ApiClient) -> None:
    response = await api.http.patch(
        "/v1/account",
        content=b"name=x",
        headers={
            "Authorization": f"Bearer {api.key}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert_error(response, 415, "unsupported_media_type")


async def test_body_over_one_mebibyte_is_413_and_changes_nothing(api: ApiClient) -> None:
    big_name = "x" * (1024 * 1024)
    response = await api.patch("/v1/account", json={"legal_name": big_name})
    assert_error(response, 413, "payload_too_large")
    assert (await api.get("/v1/account")).json()["legal_name"] is None


async def test_streamed_body_over_the_limit_is_413(api: ApiClient) -> None:
    async def chunks():  # no Content-Length: the limit is enforced while reading
        for _ in range(17):
            yield b" " * 65536

    response = await api.http.patch(
        "/v1/account",
        content=chunks(),
        headers={"Authorization": f"Bearer {api.key}", "Content-Type": "application/json"},
    )
    assert_error(response, 413, "payload_too_large")


async def test_validation_errors_name_each_field(api: ApiClient) -> None:
    response = await api.patch(
        "/v1/account", json={"default_currency": 5, "vat_rates": [{"name": "", "rate": "abc"}]}
    )
    error = assert_error(response, 422, "validation_error")
    fields = sorted(d["field"] for d in error["details"])
    assert fields == ["default_currency", "vat_rates[0].name", "vat_rates[0].rate"]


async def test_query_validation_is_422(api: ApiClient) -> None:
    error = assert_error(
        await api.get("/v1/events?starting_after=not-a-uuid"), 422, "validation_error"
    )
    assert error["details"][0]["field"] == "starting_after"


async def test_unexpected_exception_is_500_without_internals(settings: Settings) -> None:
    app = create_app(settings)
    router = api_router("boom")

    @router.get("/boom")
    async def boom(_=Depends(require_scope("account:read"))) -> None:
        raise RuntimeError("secret internal detail /etc/passwd")

    app.include_router(router)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        from tests.accounts.factories import create_account_with_key

        api = await create_account_with_key(app.state.runtime.db, client)
        response = await api.get("/v1/boom")
    await app.state.runtime.db.dispose()

    error = assert_error(response, 500, "internal_error")
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    assert error["message"] == "An internal error occurred"


async def test_every_response_has_a_request_id(http: httpx.AsyncClient, api: ApiClient) -> None:
    for response in (
        await http.get("/healthz"),
        await api.get("/v1/account"),
        await http.get("/nope"),
    ):
        assert REQUEST_ID.match(response.headers["x-request-id"])


async def test_head_is_get_without_a_body(api: ApiClient, http: httpx.AsyncClient) -> None:
    get = await api.get("/v1/account")
    head = await api.http.head("/v1/account", headers={"Authorization": f"Bearer {api.key}"})
    health = await http.head("/healthz")

    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"]
    assert REQUEST_ID.match(head.headers["x-request-id"])
    assert health.status_code == 200


async def test_huge_page_number_is_422(api: ApiClient) -> None:
    error = assert_error(await api.get(f"/v1/events?page={10**20}"), 422, "validation_error")
    assert error["details"][0]["field"] == "page"


async def test_deeply_nested_json_is_400_with_or_without_idempotency(api: ApiClient) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    for extra in ({}, {"Idempotency-Key": "deep"}):
        response = await api.http.post(
            "/v1/api_keys",
            content=body,
            headers={
                "Authorization": f"Bearer {api.key}",
                "Content-Type": "application/json",
                **extra,
            },
        )
        assert_error(response, 400, "bad_request")


async def test_event_type_family_filter_treats_wildcards_literally(api: ApiClient) -> None:
    await api.patch("/v1/account", json={"phone": "1"})
    assert (await api.get("/v1/events?type=account.*")).json()["total"] == 1
    for pattern in ("%.*", "a_count.*"):
        assert (await api.get(f"/v1/events?type={pattern}")).json()["total"] == 0
