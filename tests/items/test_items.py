"""The item catalog: exact prices, VAT settings, unique SKUs, search, archive once used."""

from decimal import Decimal
from typing import Any

import httpx
import pytest

from faktura.db.session import Database
from tests.accounts.factories import ApiClient, add_key, create_account_with_key
from tests.assertions import assert_error
from tests.customers.factories import events
from tests.documents.factories import create_document, exact
from tests.items.factories import create_item

MISSING = "01890000-0000-7000-8000-000000000000"


async def _vat_rate_ids(api: ApiClient) -> dict[str, str]:
    account = (await api.get("/v1/account")).json()
    return {rate["name"]: rate["id"] for rate in account["vat_rates"]}


async def test_create_returns_the_item_with_an_exact_price(api: ApiClient) -> None:
    standard = (await _vat_rate_ids(api))["Standard"]

    response = await api.post(
        "/v1/items",
        json={
            "name": "Consulting hour",
            "description": "Senior consultant, on site",
            "unit_price": "120.5",
            "unit": "hour",
            "unit_code": "HUR",
            "sku": "CONS-H",
            "vat_type": "excluded",
            "vat_rate_id": standard,
        },
    )

    assert response.status_code == 201, response.text
    item = exact(response)
    assert item == {
        "id": item["id"],
        "object": "item",
        "name": "Consulting hour",
        "description": "Senior consultant, on site",
        "unit_price": Decimal("120.50"),
        "currency": "ILS",
        "unit": "hour",
        "unit_code": "HUR",
        "sku": "CONS-H",
        "vat_type": "excluded",
        "vat_rate_id": standard,
        "active": True,
        "livemode": False,
        "created_at": item["created_at"],
        "updated_at": item["created_at"],
    }
    assert '"unit_price":120.50,' in response.text
    assert exact(await api.get(f"/v1/items/{item['id']}")) == item
    created = await events(api)
    assert [e["type"] for e in created] == ["item.created"]
    assert created[0]["data"] == {"object": item}


@pytest.mark.parametrize(
    ("given", "currency", "shown"),
    [
        ("0", "USD", "0.00"),
        ("12.3456", "EUR", "12.3456"),
        ("12.50000", "EUR", "12.50"),
        (1500, "JPY", "1500"),
        ("0.125", "KWD", "0.125"),
        ("999999999999.9999", "USD", "999999999999.9999"),
    ],
)
async def test_prices_keep_up_to_four_decimals_exactly(
    api: ApiClient, given: object, currency: str, shown: str
) -> None:
    item = await create_item(api, unit_price=given, currency=currency)

    assert item["unit_price"] == Decimal(shown)
    assert str(item["unit_price"]) == shown


async def test_invalid_items_are_422_naming_the_field(api: ApiClient) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"unit_price": "1"}, "name"),
        ({"name": "X"}, "unit_price"),
        ({"name": "X", "unit_price": "-0.01"}, "unit_price"),
        ({"name": "X", "unit_price": "0.000000001"}, "unit_price"),
        ({"name": "X", "unit_price": "1000000000000"}, "unit_price"),
        ({"name": "X", "unit_price": "ten"}, "unit_price"),
        ({"name": "X", "unit_price": True}, "unit_price"),
        ({"name": "X", "unit_price": "1", "currency": "ZZZ"}, "currency"),
        ({"name": "X", "unit_price": "1", "vat_type": "sometimes"}, "vat_type"),
        ({"name": "X", "unit_price": "1", "unit_code": "hour"}, "unit_code"),
        ({"name": "X", "unit_price": "1", "vat_rate_id": "vat_nope"}, "vat_rate_id"),
        ({"name": "X", "unit_price": "1", "price": "1"}, "price"),
    ]
    for body, field in cases:
        error = assert_error(await api.post("/v1/items", json=body), 422, "validation_error")
        assert [d["field"] for d in error["details"]] == [field], body

    assert (await api.get("/v1/items")).json()["total"] == 0
    assert await events(api) == []


async def test_sku_is_unique_per_account_and_mode(api: ApiClient) -> None:
    first = await create_item(api, sku="SKU-1")
    second = await create_item(api, sku="SKU-2")
    await create_item(api)  # several items without a sku are fine
    await create_item(api)

    duplicate = await api.post("/v1/items", json={"name": "Y", "unit_price": "1", "sku": "SKU-1"})
    renamed = await api.patch(f"/v1/items/{second['id']}", json={"sku": "SKU-1"})

    error = assert_error(duplicate, 409, "conflict")
    assert error["message"] == "Another item has sku 'SKU-1'"
    assert_error(renamed, 409, "conflict")
    assert (await api.get(f"/v1/items/{second['id']}")).json()["sku"] == "SKU-2"
    same = await api.patch(f"/v1/items/{first['id']}", json={"sku": "SKU-1", "name": "Renamed"})
    assert same.status_code == 200


async def test_update_changes_the_given_fields_and_records_them(api: ApiClient) -> None:
    rates = await _vat_rate_ids(api)
    item = await create_item(api, vat_rate_id=rates["Standard"], unit="hour")

    response = await api.patch(
        f"/v1/items/{item['id']}",
        json={
            "unit_price": "99.99",
            "vat_rate_id": rates["Exempt"],
            "vat_type": "exempt",
            "unit": None,
        },
    )

    assert response.status_code == 200, response.text
    updated = exact(response)
    assert (
        updated["unit_price"],
        updated["vat_type"],
        updated["vat_rate_id"],
        updated["unit"],
    ) == (
        Decimal("99.99"),
        "exempt",
        rates["Exempt"],
        None,
    )
    changes = await events(api, "item.updated")
    assert len(changes) == 1
    assert changes[0]["data"]["previous_attributes"] == {
        "unit_price": Decimal("100.00"),
        "vat_type": "excluded",
        "vat_rate_id": rates["Standard"],
        "unit": "hour",
    }
    for body, field in (
        ({"unit_price": None}, "unit_price"),
        ({"name": None}, "name"),
        ({"vat_rate_id": "vat_gone"}, "vat_rate_id"),
        ({"active": "perhaps"}, "active"),
    ):
        error = assert_error(
            await api.patch(f"/v1/items/{item['id']}", json=body), 422, "validation_error"
        )
        assert [d["field"] for d in error["details"]] == [field]
    assert exact(await api.get(f"/v1/items/{item['id']}")) == updated
    assert len(await events(api, "item.updated")) == 1


async def test_search_matches_name_sku_and_description(api: ApiClient) -> None:
    hour = await create_item(api, name="Consulting hour", sku="CONS-H")
    day = await create_item(
        api, name="Workshop", sku="WS-DAY", description="A full DAY of training"
    )
    await create_item(api, name="Licence")

    async def found(term: str) -> list[str]:
        response = await api.get("/v1/items", params={"search": term})
        return [i["id"] for i in response.json()["data"]]

    assert await found("consulting") == [hour["id"]]
    assert await found("cons-h") == [hour["id"]]
    assert await found("ws-") == [day["id"]]
    assert await found("training") == [day["id"]]
    assert await found("day") == [day["id"]]
    assert await found("nothing") == []


async def test_list_pages_and_active_filter(api: ApiClient) -> None:
    ids = [(await create_item(api, name=f"Item {i}"))["id"] for i in range(3)]
    await api.patch(f"/v1/items/{ids[1]}", json={"active": False})

    page = (await api.get("/v1/items?per_page=2")).json()
    active = (await api.get("/v1/items?active=true")).json()
    archived = (await api.get("/v1/items?active=false")).json()

    assert [i["id"] for i in page["data"]] == [ids[2], ids[1]]
    assert (page["total"], page["has_more"]) == (3, True)
    assert [i["id"] for i in active["data"]] == [ids[2], ids[0]]
    assert [i["id"] for i in archived["data"]] == [ids[1]]


async def test_an_unused_item_is_deleted(api: ApiClient) -> None:
    item = await create_item(api)

    response = await api.delete(f"/v1/items/{item['id']}")

    assert response.json() == {
        "id": item["id"],
        "object": "item",
        "deleted": True,
        "archived": False,
    }
    assert_error(await api.get(f"/v1/items/{item['id']}"), 404, "not_found")
    assert [e["type"] for e in await events(api)] == ["item.created", "item.deleted"]


async def test_an_item_used_on_a_document_is_archived_instead(api: ApiClient) -> None:
    item = await create_item(api)
    await create_document(api, status="draft", line_items=[{"item_id": item["id"]}])
    before = [e["type"] for e in await events(api)]

    response = await api.delete(f"/v1/items/{item['id']}")

    assert response.json() == {
        "id": item["id"],
        "object": "item",
        "deleted": False,
        "archived": True,
    }
    kept = (await api.get(f"/v1/items/{item['id']}")).json()
    assert kept["active"] is False
    recorded = await events(api)
    assert [e["type"] for e in recorded] == [*before, "item.updated"]
    assert "item.deleted" not in before
    assert recorded[-1]["data"]["previous_attributes"] == {"active": True}


async def test_unknown_item_is_404(api: ApiClient) -> None:
    for response in (
        await api.get(f"/v1/items/{MISSING}"),
        await api.patch(f"/v1/items/{MISSING}", json={"name": "x"}),
        await api.delete(f"/v1/items/{MISSING}"),
    ):
        error = assert_error(response, 404, "not_found")
        assert error["message"] == f"No such item: {MISSING}"


async def test_another_accounts_or_modes_items_answer_404(
    api: ApiClient, db: Database, http: httpx.AsyncClient
) -> None:
    other = await create_account_with_key(db, http, name="Other GmbH", currency="EUR")
    live = api.with_key(await add_key(db, api.account_id, livemode=True))
    for owner in (other, live):
        theirs = await create_item(owner, sku="SHARED-SKU")
        for response in (
            await api.get(f"/v1/items/{theirs['id']}"),
            await api.patch(f"/v1/items/{theirs['id']}", json={"name": "Mine"}),
            await api.delete(f"/v1/items/{theirs['id']}"),
        ):
            error = assert_error(response, 404, "not_found")
            assert error["message"] == f"No such item: {theirs['id']}"
        assert exact(await owner.get(f"/v1/items/{theirs['id']}")) == theirs

    mine = await create_item(api, sku="SHARED-SKU")  # a sku is unique per account and mode
    assert [i["id"] for i in (await api.get("/v1/items")).json()["data"]] == [mine["id"]]
    assert (await live.get("/v1/items")).json()["total"] == 1


async def test_a_vat_rate_of_another_account_is_refused(
    api: ApiClient, db: Database, http: httpx.AsyncClient
) -> None:
    other = await create_account_with_key(db, http, name="Other", currency="EUR", country="DE")
    their_rate = (await other.get("/v1/account")).json()["vat_rates"][0]["id"]

    response = await api.post(
        "/v1/items", json={"name": "X", "unit_price": "1", "vat_rate_id": their_rate}
    )

    error = assert_error(response, 422, "validation_error")
    assert error["details"] == [
        {"field": "vat_rate_id", "message": f"'{their_rate}' is not one of the account's vat_rates"}
    ]


@pytest.mark.parametrize(
    ("scopes", "method", "path", "status"),
    [
        (["items:read"], "GET", "/v1/items", 200),
        (["items:read"], "POST", "/v1/items", 403),
        (["items:read"], "PATCH", f"/v1/items/{MISSING}", 403),
        (["items:read"], "DELETE", f"/v1/items/{MISSING}", 403),
        (["customers:*"], "GET", "/v1/items", 403),
        (["items:write"], "GET", f"/v1/items/{MISSING}", 404),
        (["items:*"], "POST", "/v1/items", 422),
    ],
)
async def test_scopes(
    api: ApiClient, db: Database, scopes: list[str], method: str, path: str, status: int
) -> None:
    client = api.with_key(await add_key(db, api.account_id, scopes=scopes))

    response = await client.http.request(
        method,
        path,
        json={} if method in ("POST", "PATCH") else None,
        headers={"Authorization": f"Bearer {client.key}"},
    )

    assert response.status_code == status, response.text
    if status == 403:
        assert_error(response, 403, "insufficient_scope")
