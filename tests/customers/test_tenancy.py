"""Another account's (or mode's) ids answer 404 on every route, exactly like missing ids;
scopes guard every route."""

from typing import Any

import httpx
import pytest

from faktura.db.session import Database
from tests.accounts.factories import ApiClient, add_key, create_account_with_key
from tests.assertions import assert_error
from tests.customers.factories import create_customer, delete_with_body, event_types

MISSING = "01890000-0000-7000-8000-000000000000"


async def _their_objects(other: ApiClient) -> dict[str, Any]:
    customer = await create_customer(other, tags=["theirs"])
    supplier = (await other.post("/v1/suppliers", json={"name": "Their supplier"})).json()
    return {
        "customer": customer["id"],
        "contact": customer["contacts"][0]["id"],
        "tag": customer["tags"][0]["id"],
        "supplier": supplier["id"],
    }


def _requests(mine: dict[str, Any], theirs: dict[str, Any]) -> list[tuple[str, str, Any, str]]:
    """(method, path, body, the id the 404 must name) for every route that takes an id."""
    customer, contact, tag, supplier = (
        theirs["customer"],
        theirs["contact"],
        theirs["tag"],
        theirs["supplier"],
    )
    my_customer, my_tag = mine["customer"], mine["tag"]
    return [
        ("GET", f"/v1/customers/{customer}", None, customer),
        ("PATCH", f"/v1/customers/{customer}", {"notes": "x"}, customer),
        ("DELETE", f"/v1/customers/{customer}", None, customer),
        ("GET", f"/v1/customers?tag={tag}", None, tag),
        ("POST", "/v1/customers", _customer_with_tags([tag]), tag),
        ("PATCH", f"/v1/customers/{my_customer}", {"tags": ["mine", tag]}, tag),
        ("PATCH", f"/v1/customers/{my_customer}", {"contacts": [{"id": contact}]}, contact),
        ("PATCH", f"/v1/customers/{my_customer}", {"delete_contact_ids": [contact]}, contact),
        ("POST", "/v1/customers/bulk_tags", {"customer_ids": [my_customer, customer]}, customer),
        (
            "POST",
            "/v1/customers/bulk_tags",
            {"customer_ids": [my_customer], "add_tag_ids": [tag]},
            tag,
        ),
        (
            "POST",
            "/v1/customers/bulk_tags",
            {"customer_ids": [my_customer], "remove_tag_ids": [tag]},
            tag,
        ),
        ("GET", f"/v1/contacts/{contact}", None, contact),
        ("PATCH", f"/v1/contacts/{contact}", {"title": "x"}, contact),
        ("DELETE", f"/v1/contacts/{contact}", None, contact),
        ("GET", f"/v1/contacts?customer_id={customer}", None, customer),
        ("POST", "/v1/contacts", _contact_for(customer), customer),
        ("GET", f"/v1/tags/{tag}", None, tag),
        ("PATCH", f"/v1/tags/{tag}", {"name": "renamed"}, tag),
        ("DELETE", f"/v1/tags/{tag}", None, tag),
        ("POST", f"/v1/tags/{tag}/customers", {"customer_ids": [my_customer]}, tag),
        ("DELETE", f"/v1/tags/{tag}/customers", {"customer_ids": [my_customer]}, tag),
        ("POST", f"/v1/tags/{my_tag}/customers", {"customer_ids": [customer]}, customer),
        ("DELETE", f"/v1/tags/{my_tag}/customers", {"customer_ids": [customer]}, customer),
        ("GET", f"/v1/suppliers/{supplier}", None, supplier),
        ("PATCH", f"/v1/suppliers/{supplier}", {"notes": "x"}, supplier),
        ("DELETE", f"/v1/suppliers/{supplier}", None, supplier),
    ]


def _customer_with_tags(tags: list[str]) -> dict[str, Any]:
    return {
        "company_name": "New",
        "contacts": [{"contact_name": "A", "email": "a@example.com"}],
        "tags": tags,
    }


def _contact_for(customer_id: str) -> dict[str, Any]:
    return {"customer_id": customer_id, "contact_name": "A", "email": "a@example.com"}


async def _send(api: ApiClient, method: str, path: str, body: Any) -> httpx.Response:
    if method == "DELETE" and body is not None:
        return await delete_with_body(api, path, body)
    return await api.http.request(
        method, path, json=body, headers={"Authorization": f"Bearer {api.key}"}
    )


async def _state(api: ApiClient) -> list[Any]:
    return [
        (await api.get("/v1/customers")).json(),
        (await api.get("/v1/contacts")).json(),
        (await api.get("/v1/tags")).json(),
        (await api.get("/v1/suppliers")).json(),
        await event_types(api),
    ]


async def _assert_all_not_found(api: ApiClient, owner: ApiClient, theirs: dict[str, Any]) -> None:
    mine_customer = await create_customer(api, tags=["mine"])
    mine = {"customer": mine_customer["id"], "tag": mine_customer["tags"][0]["id"]}
    mine_before, theirs_before = await _state(api), await _state(owner)

    for method, path, body, named in _requests(mine, theirs):
        response = await _send(api, method, path, body)
        error = assert_error(response, 404, "not_found")
        assert named in str(error["message"]), (method, path)
        # Exactly what a missing id answers.
        missing = await _send(
            api, method, path.replace(named, MISSING), _replace(body, named, MISSING)
        )
        assert missing.status_code == 404
        assert missing.json()["error"]["message"] == str(error["message"]).replace(named, MISSING)

    assert await _state(api) == mine_before
    assert await _state(owner) == theirs_before


def _replace(body: Any, old: str, new: str) -> Any:
    if body is None:
        return None
    if isinstance(body, dict):
        return {k: _replace(v, old, new) for k, v in body.items()}
    if isinstance(body, list):
        return [_replace(v, old, new) for v in body]
    return new if body == old else body


async def test_another_accounts_ids_answer_404_everywhere(
    api: ApiClient, db: Database, http: httpx.AsyncClient
) -> None:
    other = await create_account_with_key(db, http, name="Other GmbH", currency="EUR")
    theirs = await _their_objects(other)

    await _assert_all_not_found(api, other, theirs)


async def test_live_ids_answer_404_to_a_test_key(api: ApiClient, db: Database) -> None:
    live = api.with_key(await add_key(db, api.account_id, livemode=True))
    theirs = await _their_objects(live)

    await _assert_all_not_found(api, live, theirs)


async def test_test_and_live_data_never_mix(api: ApiClient, db: Database) -> None:
    live = api.with_key(await add_key(db, api.account_id, livemode=True))
    live_customer = await create_customer(live, company_name="Live Ltd", external_id="E-1")
    test_customer = await create_customer(api, company_name="Test Ltd", external_id="E-1")

    live_list = (await live.get("/v1/customers?search=ltd")).json()
    test_list = (await api.get("/v1/customers?search=ltd")).json()

    assert [c["id"] for c in live_list["data"]] == [live_customer["id"]]
    assert [c["id"] for c in test_list["data"]] == [test_customer["id"]]
    assert (live_customer["livemode"], test_customer["livemode"]) == (True, False)
    assert live_customer["contacts"][0]["livemode"] is True
    # Tags are per mode too: the same name is a different tag.
    live_tagged = await create_customer(live, tags=["shared"])
    test_tagged = await create_customer(api, tags=["shared"])
    assert live_tagged["tags"][0]["id"] != test_tagged["tags"][0]["id"]


@pytest.mark.parametrize(
    ("scopes", "method", "path", "status"),
    [
        (["customers:read"], "GET", "/v1/customers", 200),
        (["customers:read"], "GET", "/v1/contacts", 200),
        (["customers:read"], "GET", "/v1/tags", 200),
        (["customers:read"], "GET", "/v1/suppliers", 200),
        (["customers:read"], "POST", "/v1/customers", 403),
        (["customers:read"], "POST", "/v1/contacts", 403),
        (["customers:read"], "POST", "/v1/tags", 403),
        (["customers:read"], "POST", "/v1/customers/bulk_tags", 403),
        (["customers:read"], "POST", "/v1/suppliers", 403),
        (["customers:read"], "PATCH", f"/v1/customers/{MISSING}", 403),
        (["customers:read"], "DELETE", f"/v1/contacts/{MISSING}", 403),
        (["customers:read"], "DELETE", f"/v1/tags/{MISSING}", 403),
        (["items:*"], "GET", "/v1/customers", 403),
        (["items:*"], "GET", f"/v1/tags/{MISSING}", 403),
        (["account:read"], "GET", f"/v1/suppliers/{MISSING}", 403),
        (["customers:write"], "GET", "/v1/customers", 200),
        (["customers:*"], "POST", "/v1/tags", 422),
    ],
)
async def test_scopes(
    api: ApiClient,
    db: Database,
    scopes: list[str],
    method: str,
    path: str,
    status: int,
) -> None:
    client = api.with_key(await add_key(db, api.account_id, scopes=scopes))

    response = await _send(client, method, path, {} if method in ("POST", "PATCH") else None)

    assert response.status_code == status, response.text
    if status == 403:
        assert_error(response, 403, "insufficient_scope")
