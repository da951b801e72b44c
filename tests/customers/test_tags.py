"""Tags: created on first use, renamed, deleted, and put on customers one by one or in bulk."""

import asyncio
from typing import Any

from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.customers.factories import (
    create_customer,
    customer_body,
    delete_with_body,
    event_types,
    events,
)

UNKNOWN = "01890000-0000-7000-8000-000000000000"


async def _tag_names(api: ApiClient, customer_id: str) -> list[str]:
    customer = (await api.get(f"/v1/customers/{customer_id}")).json()
    return [tag["name"] for tag in customer["tags"]]


async def _create_tag(api: ApiClient, name: str) -> dict[str, Any]:
    response = await api.post("/v1/tags", json={"name": name})
    assert response.status_code == 201, response.text
    tag: dict[str, Any] = response.json()
    return tag


async def test_unknown_tag_names_are_created_and_known_ones_reused(api: ApiClient) -> None:
    vip = await _create_tag(api, "VIP")

    customer = await create_customer(api, tags=["vip", "Retail", "retail", vip["id"]])

    tags = (await api.get("/v1/tags")).json()
    assert [t["name"] for t in tags["data"]] == ["Retail", "VIP"]
    retail = tags["data"][0]
    assert customer["tags"] == [
        {"id": retail["id"], "name": "Retail"},
        {"id": vip["id"], "name": "VIP"},
    ]
    assert [(t["name"], t["customer_count"]) for t in tags["data"]] == [("Retail", 1), ("VIP", 1)]
    assert await event_types(api) == [
        "tag.created",
        "tag.created",
        "customer.created",
        "contact.created",
    ]


async def test_an_unknown_tag_id_fails_the_create_and_creates_nothing(api: ApiClient) -> None:
    response = await api.post(
        "/v1/customers",
        json={
            "company_name": "X",
            "contacts": [{"contact_name": "A", "email": "a@example.com"}],
            "tags": ["new-name", UNKNOWN],
        },
    )

    error = assert_error(response, 404, "not_found")
    assert error["message"] == f"No such tag: {UNKNOWN}"
    assert (await api.get("/v1/customers")).json()["total"] == 0
    assert (await api.get("/v1/tags")).json()["total"] == 0
    assert await events(api) == []


async def test_patch_tags_replaces_them_all(api: ApiClient) -> None:
    customer = await create_customer(api, tags=["a", "b"])

    response = await api.patch(f"/v1/customers/{customer['id']}", json={"tags": ["b", "c"]})

    assert [t["name"] for t in response.json()["tags"]] == ["b", "c"]
    updated = await events(api, "customer.updated")
    assert [[t["name"] for t in e["data"]["previous_attributes"]["tags"]] for e in updated] == [
        ["a", "b"]
    ]
    cleared = await api.patch(f"/v1/customers/{customer['id']}", json={"tags": []})
    assert cleared.json()["tags"] == []


async def test_tag_names_are_unique_regardless_of_case(api: ApiClient) -> None:
    await _create_tag(api, "Wholesale")
    other = await _create_tag(api, "Retail")

    assert_error(await api.post("/v1/tags", json={"name": "WHOLESALE"}), 409, "conflict")
    renamed = await api.patch(f"/v1/tags/{other['id']}", json={"name": "wholesale"})
    assert_error(renamed, 409, "conflict")
    assert (await api.get(f"/v1/tags/{other['id']}")).json()["name"] == "Retail"
    for body in ({"name": ""}, {"name": "x" * 101}, {}, {"name": 5}):
        assert_error(await api.post("/v1/tags", json=body), 422, "validation_error")


async def test_rename_shows_on_customers_and_delete_removes_the_tag_from_them(
    api: ApiClient,
) -> None:
    customer = await create_customer(api, tags=["old", "keep"])
    old = next(t for t in customer["tags"] if t["name"] == "old")

    renamed = await api.patch(f"/v1/tags/{old['id']}", json={"name": "New"})
    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["customer_count"]) == ("New", 1)
    assert await _tag_names(api, customer["id"]) == ["keep", "New"]
    case_only = await api.patch(f"/v1/tags/{old['id']}", json={"name": "NEW"})
    assert case_only.json()["name"] == "NEW"

    deleted = await api.delete(f"/v1/tags/{old['id']}")

    assert deleted.json() == {"id": old["id"], "deleted": True}
    assert await _tag_names(api, customer["id"]) == ["keep"]
    assert_error(await api.get(f"/v1/tags/{old['id']}"), 404, "not_found")
    tag_events = [e for e in await events(api) if e["type"].startswith("tag.")]
    assert [e["type"] for e in tag_events] == [
        "tag.created",
        "tag.created",
        "tag.updated",
        "tag.updated",
        "tag.deleted",
    ]
    assert tag_events[2]["data"]["previous_attributes"] == {"name": "old"}


async def test_tag_and_untag_customers_report_how_many_changed(api: ApiClient) -> None:
    tag = await _create_tag(api, "Priority")
    already = await create_customer(api, tags=["Priority"])
    fresh = [await create_customer(api) for _ in range(2)]
    ids = [already["id"], fresh[0]["id"], fresh[1]["id"], fresh[0]["id"]]

    tagged = await api.post(f"/v1/tags/{tag['id']}/customers", json={"customer_ids": ids})

    assert tagged.status_code == 200, tagged.text
    assert tagged.json() == {
        "object": "bulk_result",
        "customers_matched": 3,
        "customers_changed": 2,
    }
    for customer in (already, *fresh):
        assert await _tag_names(api, customer["id"]) == ["Priority"]
    updated = await events(api, "customer.updated")
    assert sorted(e["object_id"] for e in updated) == sorted(c["id"] for c in fresh)
    assert [e["data"]["previous_attributes"] for e in updated] == [{"tags": []}, {"tags": []}]

    untagged = await delete_with_body(
        api, f"/v1/tags/{tag['id']}/customers", {"customer_ids": [already["id"], fresh[0]["id"]]}
    )

    assert untagged.json() == {
        "object": "bulk_result",
        "customers_matched": 2,
        "customers_changed": 2,
    }
    assert await _tag_names(api, already["id"]) == []
    assert await _tag_names(api, fresh[1]["id"]) == ["Priority"]
    again = await delete_with_body(
        api, f"/v1/tags/{tag['id']}/customers", {"customer_ids": [already["id"]]}
    )
    assert again.json()["customers_changed"] == 0


async def test_tagging_with_one_unknown_customer_changes_nothing(api: ApiClient) -> None:
    tag = await _create_tag(api, "Priority")
    customer = await create_customer(api)
    before = await event_types(api)

    response = await api.post(
        f"/v1/tags/{tag['id']}/customers", json={"customer_ids": [customer["id"], UNKNOWN]}
    )

    error = assert_error(response, 404, "not_found")
    assert error["message"] == f"No such customer: {UNKNOWN}"
    assert await _tag_names(api, customer["id"]) == []
    assert await event_types(api) == before


async def test_bulk_tags_adds_and_removes_all_or_nothing(api: ApiClient) -> None:
    add = await _create_tag(api, "add")
    remove = await _create_tag(api, "remove")
    keep = await _create_tag(api, "keep")
    first = await create_customer(api, tags=["remove", "keep"])
    second = await create_customer(api, tags=["add"])
    third = await create_customer(api, tags=["keep"])
    body = {
        "customer_ids": [first["id"], second["id"], third["id"]],
        "add_tag_ids": [add["id"]],
        "remove_tag_ids": [remove["id"]],
    }

    response = await api.post("/v1/customers/bulk_tags", json=body)

    assert response.json() == {
        "object": "bulk_result",
        "customers_matched": 3,
        "customers_changed": 2,
    }
    assert await _tag_names(api, first["id"]) == ["add", "keep"]
    assert await _tag_names(api, second["id"]) == ["add"]
    assert await _tag_names(api, third["id"]) == ["add", "keep"]
    assert (await api.get(f"/v1/tags/{keep['id']}")).json()["customer_count"] == 2
    before = await event_types(api)

    for failing, missing in (
        ({**body, "customer_ids": [first["id"], UNKNOWN]}, f"No such customer: {UNKNOWN}"),
        ({**body, "add_tag_ids": [keep["id"], UNKNOWN]}, f"No such tag: {UNKNOWN}"),
        ({**body, "remove_tag_ids": [UNKNOWN]}, f"No such tag: {UNKNOWN}"),
    ):
        error = assert_error(
            await api.post("/v1/customers/bulk_tags", json=failing), 404, "not_found"
        )
        assert error["message"] == missing

    assert await _tag_names(api, first["id"]) == ["add", "keep"]
    assert await _tag_names(api, second["id"]) == ["add"]
    assert await event_types(api) == before


async def test_bulk_tags_input_is_validated(api: ApiClient) -> None:
    tag = await _create_tag(api, "x")
    customer = await create_customer(api)
    for body, field in (
        ({"customer_ids": []}, "customer_ids"),
        ({"customer_ids": ["nope"]}, "customer_ids[0]"),
        ({"add_tag_ids": [tag["id"]]}, "customer_ids"),
        (
            {
                "customer_ids": [customer["id"]],
                "add_tag_ids": [tag["id"]],
                "remove_tag_ids": [tag["id"]],
            },
            "remove_tag_ids",
        ),
    ):
        error = assert_error(
            await api.post("/v1/customers/bulk_tags", json=body), 422, "validation_error"
        )
        assert [d["field"] for d in error["details"]] == [field], body
    too_many = {"customer_ids": [customer["id"]] * 1001}
    assert_error(
        await api.post(f"/v1/tags/{tag['id']}/customers", json=too_many), 422, "validation_error"
    )


async def test_list_customers_by_tag_name_or_id(api: ApiClient) -> None:
    tagged = await create_customer(api, tags=["Gold"])
    await create_customer(api, tags=["Silver"])
    await create_customer(api)
    gold = tagged["tags"][0]

    by_name = (await api.get("/v1/customers?tag=gold")).json()
    by_id = (await api.get(f"/v1/customers?tag={gold['id']}")).json()

    assert [c["id"] for c in by_name["data"]] == [tagged["id"]]
    assert by_id == by_name
    error = assert_error(await api.get("/v1/customers?tag=bronze"), 404, "not_found")
    assert error["message"] == "No tag named 'bronze'"
    assert_error(await api.get(f"/v1/customers?tag={UNKNOWN}"), 404, "not_found")


async def test_concurrent_first_uses_of_a_name_share_one_tag(api: ApiClient) -> None:
    responses = await asyncio.gather(
        *(api.post("/v1/customers", json=customer_body(tags=["Launch"])) for _ in range(4))
    )

    assert [r.status_code for r in responses] == [201] * 4
    tags = (await api.get("/v1/tags")).json()
    assert [(t["name"], t["customer_count"]) for t in tags["data"]] == [("Launch", 4)]
    assert {r.json()["tags"][0]["id"] for r in responses} == {tags["data"][0]["id"]}
    assert (await event_types(api)).count("tag.created") == 1


async def test_a_tag_name_with_a_control_character_is_422_and_creates_nothing(
    api: ApiClient,
) -> None:
    for name in ("a\u0000b", "\u0002"):
        on_customer = await api.post("/v1/customers", json=customer_body(tags=["fine", name]))
        on_its_own = await api.post("/v1/tags", json={"name": name})

        assert on_customer.status_code == 422, on_customer.text
        assert on_customer.json()["error"]["details"][0]["field"] == "tags[1]"
        assert on_its_own.status_code == 422
    assert (await api.get("/v1/customers")).json()["data"] == []
    assert (await api.get("/v1/tags")).json()["data"] == []
