"""/v1/webhook_endpoints: create, read, change, delete, rotate; what is refused and why."""

import base64

from faktura.db.session import Database
from tests.accounts.factories import ApiClient, add_key
from tests.assertions import assert_error
from tests.customers.factories import events
from tests.webhooks.factories import create_endpoint

URL = "http://127.0.0.1:9/hooks"


def _is_secret(value: str) -> bool:
    return value.startswith("whsec_") and len(base64.b64decode(value[6:])) == 32


async def test_create_shows_the_secret_once(hooks_api: ApiClient) -> None:
    created = await create_endpoint(
        hooks_api, URL, events=["invoice.paid", "customer.created"], description="Ledger"
    )

    assert _is_secret(created["secret"])
    assert created["object"] == "webhook_endpoint"
    assert created["events"] == ["customer.created", "invoice.paid"]
    assert created["description"] == "Ledger"
    assert created["is_active"] is True
    assert created["disabled_reason"] is None
    assert created["livemode"] is False
    shown = (await hooks_api.get(f"/v1/webhook_endpoints/{created['id']}")).json()
    assert "secret" not in shown
    assert shown == {k: v for k, v in created.items() if k != "secret"}
    listed = (await hooks_api.get("/v1/webhook_endpoints")).json()
    assert [e["id"] for e in listed["data"]] == [created["id"]]
    assert "secret" not in listed["data"][0]
    [event] = await events(hooks_api, "webhook_endpoint.created")
    assert event["data"]["object"]["id"] == created["id"]
    assert "secret" not in event["data"]["object"]


async def test_update_and_delete(hooks_api: ApiClient) -> None:
    created = await create_endpoint(hooks_api, URL)

    response = await hooks_api.patch(
        f"/v1/webhook_endpoints/{created['id']}",
        json={"events": ["item.created"], "is_active": False, "description": None},
    )

    assert response.status_code == 200, response.text
    assert response.json()["events"] == ["item.created"]
    assert response.json()["is_active"] is False
    [updated] = await events(hooks_api, "webhook_endpoint.updated")
    assert updated["data"]["previous_attributes"] == {"events": ["*"], "is_active": True}
    deleted = await hooks_api.delete(f"/v1/webhook_endpoints/{created['id']}")
    assert deleted.json() == {"id": created["id"], "object": "webhook_endpoint", "deleted": True}
    assert_error(await hooks_api.get(f"/v1/webhook_endpoints/{created['id']}"), 404, "not_found")


async def test_unknown_event_types_are_422(hooks_api: ApiClient) -> None:
    for bad in (["invoice.exploded"], ["*", "invoice.paid"], []):
        response = await hooks_api.post("/v1/webhook_endpoints", json={"url": URL, "events": bad})
        error = assert_error(response, 422, "validation_error")
        assert error["details"][0]["field"].startswith("events")
    assert await events(hooks_api, "webhook_endpoint.created") == []


async def test_https_only_and_no_private_addresses_unless_allowed(api: ApiClient) -> None:
    # `api` is served with the default settings: no host is allowed.
    for url, reason in (
        ("http://example.com/hooks", "must be an https:// URL"),
        ("http://127.0.0.1:8000/hooks", "must be an https:// URL"),
        ("https://10.0.0.1/hooks", "10.0.0.1 is not a public address"),
        ("https://169.254.169.254/latest/meta-data", "169.254.169.254 is not a public address"),
        ("https://[::1]/hooks", "::1 is not a public address"),
        # IPv6 addresses that reach a private IPv4 one: NAT64, 6to4, IPv4-compatible, mapped.
        (
            "https://[64:ff9b::a9fe:a9fe]/",
            "64:ff9b::a9fe:a9fe (IPv4 169.254.169.254) is not a public address",
        ),
        (
            "https://[2002:a9fe:a9fe::]/",
            "2002:a9fe:a9fe:: (IPv4 169.254.169.254) is not a public address",
        ),
        ("https://[::127.0.0.1]/", "::127.0.0.1 (IPv4 127.0.0.1) is not a public address"),
        ("https://[::ffff:10.0.0.1]/", "::ffff:10.0.0.1 (IPv4 10.0.0.1) is not a public address"),
        # Numeric forms of loopback that resolvers read as 127.0.0.1.
        ("https://2130706433/", "2130706433 (127.0.0.1) is not a public address"),
        ("https://0x7f000001/", "0x7f000001 (127.0.0.1) is not a public address"),
        ("https://127.1/", "127.1 (127.0.0.1) is not a public address"),
        ("https://0177.0.0.1/", "0177.0.0.1 (127.0.0.1) is not a public address"),
        ("https://user:pw@example.com/", "must not carry a user name or password"),
        ("ftp://example.com/", "must be an https:// URL"),
    ):
        response = await api.post("/v1/webhook_endpoints", json={"url": url, "events": ["*"]})
        error = assert_error(response, 422, "validation_error")
        assert error["details"] == [{"field": "url", "message": reason}], url
    assert (await api.get("/v1/webhook_endpoints")).json()["total"] == 0
    response = await api.post(
        "/v1/webhook_endpoints", json={"url": "https://hooks.example.com/x", "events": ["*"]}
    )
    assert response.status_code == 201, response.text


async def test_allowed_host_may_use_plain_http(hooks_api: ApiClient) -> None:
    created = await create_endpoint(hooks_api, "http://127.0.0.1:8000/hooks")
    assert created["url"] == "http://127.0.0.1:8000/hooks"


async def test_rotate_secret_returns_a_new_one(hooks_api: ApiClient) -> None:
    created = await create_endpoint(hooks_api, URL)

    response = await hooks_api.post(f"/v1/webhook_endpoints/{created['id']}/rotate_secret")

    assert response.status_code == 200, response.text
    assert _is_secret(response.json()["secret"])
    assert response.json()["secret"] != created["secret"]


async def test_a_replayed_create_does_not_show_the_secret(hooks_api: ApiClient) -> None:
    headers = {"Idempotency-Key": "create-endpoint-1"}
    body = {"url": URL, "events": ["*"]}
    first = await hooks_api.post("/v1/webhook_endpoints", json=body, headers=headers)
    replay = await hooks_api.post("/v1/webhook_endpoints", json=body, headers=headers)

    assert _is_secret(first.json()["secret"])
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json()["id"] == first.json()["id"]
    assert replay.json()["secret"] == "whsec_…"


async def test_read_scope_cannot_change_endpoints(hooks_api: ApiClient, hooks_db: Database) -> None:
    reader = hooks_api.with_key(
        await add_key(hooks_db, hooks_api.account_id, scopes=["webhooks:read"])
    )
    assert (await reader.get("/v1/webhook_endpoints")).status_code == 200
    response = await reader.post("/v1/webhook_endpoints", json={"url": URL, "events": ["*"]})
    assert_error(response, 403, "insufficient_scope")


async def test_endpoints_of_another_account_are_404(hooks_api: ApiClient, api: ApiClient) -> None:
    created = await create_endpoint(hooks_api, URL)
    assert_error(await api.get(f"/v1/webhook_endpoints/{created['id']}"), 404, "not_found")
    assert_error(
        await api.get(f"/v1/webhook_endpoints/{created['id']}/deliveries"), 404, "not_found"
    )
