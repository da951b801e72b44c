"""The accounting change feed lists exactly the changes made, and mark_synced / mark_failed
round-trip."""

from typing import Any

import httpx
import pytest

from faktura.db.session import Database
from tests.accounts.factories import ApiClient, create_account_with_key
from tests.assertions import assert_error
from tests.customers.factories import create_customer, events
from tests.documents.factories import create_document


@pytest.fixture
async def other_api(http: httpx.AsyncClient, db: Database) -> ApiClient:
    return await create_account_with_key(db, http)


async def _changes(api: ApiClient, query: str = "") -> list[dict[str, Any]]:
    response = await api.get(f"/v1/accounting/changes?per_page=100{query}")
    assert response.status_code == 200, response.text
    return list(reversed(response.json()["data"]))


async def test_the_feed_lists_exactly_the_changes_made(api: ApiClient) -> None:
    customer = await create_customer(api)
    await api.patch(f"/v1/customers/{customer['id']}", json={"company_name": "Globex Two"})
    invoice = await create_document(api, customer_id=customer["id"])
    await api.post("/v1/items", json={"name": "Not booked", "unit_price": "1"})

    changes = await _changes(api)

    assert [(c["change_type"], c["object_id"]) for c in changes] == [
        ("customer.created", customer["id"]),
        ("customer.updated", customer["id"]),
        ("invoice.created", invoice["id"]),
        ("invoice.finalized", invoice["id"]),
    ]
    logged = {e["id"]: e for e in await events(api)}
    for change in changes:
        assert change["status"] == "pending"
        assert change["error_message"] is None
        assert change["synced_at"] is None
        assert change["data"] == logged[change["event_id"]]["data"]
        assert change["object"] == "accounting_change"
    assert [c["change_type"] for c in await _changes(api, "&object_type=invoice")] == [
        "invoice.created",
        "invoice.finalized",
    ]


async def test_mark_synced_and_mark_failed_round_trip(api: ApiClient) -> None:
    await create_customer(api)
    await create_customer(api)
    await create_customer(api)
    first, second, third = await _changes(api)

    synced = await api.post(
        "/v1/accounting/changes",
        json={"action": "mark_synced", "change_ids": [first["id"], second["id"]]},
    )
    failed = await api.post(
        "/v1/accounting/changes",
        json={"action": "mark_failed", "change_ids": [third["id"]], "error_message": "No GL code"},
    )

    assert synced.status_code == 200, synced.text
    assert [c["status"] for c in synced.json()["data"]] == ["synced", "synced"]
    assert failed.json()["data"][0]["error_message"] == "No GL code"
    assert [c["id"] for c in await _changes(api, "&status=synced")] == [first["id"], second["id"]]
    assert [c["id"] for c in await _changes(api, "&status=failed")] == [third["id"]]
    assert await _changes(api, "&status=pending") == []
    [shown] = await _changes(api, "&status=synced&object_type=customer&per_page=1")
    assert shown["synced_at"] is not None
    again = await api.post(
        "/v1/accounting/changes", json={"action": "mark_synced", "change_ids": [third["id"]]}
    )
    assert again.json()["data"][0] | {"updated_at": None, "synced_at": None} == third | {
        "status": "synced",
        "updated_at": None,
        "synced_at": None,
    }


async def test_an_unknown_id_changes_nothing(api: ApiClient, other_api: ApiClient) -> None:
    await create_customer(api)
    await create_customer(other_api)
    [change] = await _changes(api)
    [foreign] = await _changes(other_api)  # another account's change is as unknown

    response = await api.post(
        "/v1/accounting/changes",
        json={
            "action": "mark_synced",
            "change_ids": [change["id"], foreign["id"]],
        },
    )

    assert_error(response, 404, "not_found")
    assert [c["status"] for c in await _changes(api)] == ["pending"]
    assert [c["status"] for c in await _changes(other_api)] == ["pending"]


async def test_error_message_is_only_for_mark_failed(api: ApiClient) -> None:
    await create_customer(api)
    [change] = await _changes(api)
    response = await api.post(
        "/v1/accounting/changes",
        json={"action": "mark_synced", "change_ids": [change["id"]], "error_message": "x"},
    )
    assert_error(response, 422, "validation_error")
    assert_error(
        await api.post("/v1/accounting/changes", json={"action": "sync", "change_ids": []}),
        422,
        "validation_error",
    )
