"""Contacts: exactly one primary, never none, and a customer PATCH that upserts them atomically."""

import asyncio
from typing import Any

from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.customers.factories import contact_body, create_customer, event_types, events


async def _contacts(api: ApiClient, customer_id: str) -> list[dict[str, Any]]:
    response = await api.get(f"/v1/customers/{customer_id}")
    assert response.status_code == 200, response.text
    contacts: list[dict[str, Any]] = response.json()["contacts"]
    return contacts


def _primary_flags(contacts: list[dict[str, Any]]) -> dict[str, bool]:
    return {c["contact_name"]: c["is_primary"] for c in contacts}


async def test_a_new_contact_is_not_primary_unless_asked(api: ApiClient) -> None:
    customer = await create_customer(api, contacts=[contact_body(0)])

    response = await api.post(
        "/v1/contacts", json={"customer_id": customer["id"], **contact_body(1)}
    )

    assert response.status_code == 201, response.text
    contact = response.json()
    assert (contact["customer_id"], contact["is_primary"]) == (customer["id"], False)
    assert _primary_flags(await _contacts(api, customer["id"])) == {
        "Contact 0": True,
        "Contact 1": False,
    }
    assert (await api.get(f"/v1/contacts/{contact['id']}")).json() == contact


async def test_a_new_primary_contact_demotes_the_old_one(api: ApiClient) -> None:
    customer = await create_customer(api, contacts=[contact_body(0)])
    old = customer["contacts"][0]

    response = await api.post(
        "/v1/contacts",
        json={"customer_id": customer["id"], **contact_body(1, is_primary=True)},
    )

    assert response.json()["is_primary"] is True
    assert _primary_flags(await _contacts(api, customer["id"])) == {
        "Contact 0": False,
        "Contact 1": True,
    }
    changes = await events(api)
    assert [e["type"] for e in changes[2:]] == ["contact.updated", "contact.created"]
    assert changes[2]["object_id"] == old["id"]
    assert changes[2]["data"]["previous_attributes"] == {"is_primary": True}
    assert changes[2]["data"]["communication_fields_changed"] == []


async def test_making_a_contact_primary_demotes_the_old_one(api: ApiClient) -> None:
    customer = await create_customer(api, contacts=[contact_body(0), contact_body(1)])
    second = customer["contacts"][1]

    response = await api.patch(f"/v1/contacts/{second['id']}", json={"is_primary": True})

    assert response.status_code == 200, response.text
    assert _primary_flags(await _contacts(api, customer["id"])) == {
        "Contact 0": False,
        "Contact 1": True,
    }


async def test_the_primary_contact_cannot_be_unset_directly(api: ApiClient) -> None:
    customer = await create_customer(api, contacts=[contact_body(0), contact_body(1)])
    primary = customer["contacts"][0]

    response = await api.patch(f"/v1/contacts/{primary['id']}", json={"is_primary": False})

    error = assert_error(response, 422, "validation_error")
    assert [d["field"] for d in error["details"]] == ["is_primary"]
    assert await _contacts(api, customer["id"]) == customer["contacts"]
    assert await event_types(api) == ["customer.created", "contact.created", "contact.created"]


async def test_the_last_contact_cannot_be_deleted(api: ApiClient) -> None:
    customer = await create_customer(api)
    only = customer["contacts"][0]

    response = await api.delete(f"/v1/contacts/{only['id']}")

    error = assert_error(response, 409, "invalid_state")
    assert error["message"] == "The last contact of a customer cannot be deleted"
    assert await _contacts(api, customer["id"]) == [only]
    assert await event_types(api) == ["customer.created", "contact.created"]


async def test_deleting_the_primary_promotes_the_oldest_remaining_contact(api: ApiClient) -> None:
    customer = await create_customer(
        api, contacts=[contact_body(0), contact_body(1), contact_body(2)]
    )
    primary, second, _ = customer["contacts"]

    response = await api.delete(f"/v1/contacts/{primary['id']}")

    assert response.json() == {"id": primary["id"], "deleted": True}
    assert _primary_flags(await _contacts(api, customer["id"])) == {
        "Contact 1": True,
        "Contact 2": False,
    }
    changes = await events(api)
    assert [(e["type"], e["object_id"]) for e in changes[4:]] == [
        ("contact.deleted", primary["id"]),
        ("contact.updated", second["id"]),
    ]
    assert changes[4]["data"] == {"object": primary}
    assert_error(await api.get(f"/v1/contacts/{primary['id']}"), 404, "not_found")


async def test_changing_email_name_or_phone_is_recorded_for_scheduled_messages(
    api: ApiClient,
) -> None:
    customer = await create_customer(api, contacts=[contact_body(0, phone="111")])
    contact = customer["contacts"][0]

    renamed = await api.patch(
        f"/v1/contacts/{contact['id']}",
        json={"email": "new@example.com", "phone": "222", "title": "CEO"},
    )
    retitled = await api.patch(f"/v1/contacts/{contact['id']}", json={"title": "Owner"})

    assert renamed.status_code == retitled.status_code == 200
    updates = await events(api, "contact.updated")
    assert [e["data"]["previous_attributes"] for e in updates] == [
        {"email": "contact0@example.com", "phone": "111", "title": None},
        {"title": "CEO"},
    ]
    assert [e["data"]["communication_fields_changed"] for e in updates] == [
        ["email", "phone"],
        [],
    ]
    assert updates[1]["data"]["object"] == retitled.json()
    # Contact changes have their own events; the customer's fields did not change.
    assert await events(api, "customer.updated") == []


async def test_contact_fields_are_validated(api: ApiClient) -> None:
    customer = await create_customer(api)
    contact = customer["contacts"][0]
    for body, field in (
        ({"email": "not-an-email"}, "email"),
        ({"email": None}, "email"),
        ({"contact_name": ""}, "contact_name"),
        ({"phone_type_secondary": "pager"}, "phone_type_secondary"),
        ({"escalation_level": 1.5}, "escalation_level"),
        ({"customer_id": customer["id"]}, "customer_id"),
    ):
        response = await api.patch(f"/v1/contacts/{contact['id']}", json=body)
        error = assert_error(response, 422, "validation_error")
        assert [d["field"] for d in error["details"]] == [field], body
    missing = await api.post("/v1/contacts", json={"customer_id": customer["id"]})
    error = assert_error(missing, 422, "validation_error")
    assert sorted(d["field"] for d in error["details"]) == ["contact_name", "email"]
    assert await _contacts(api, customer["id"]) == [contact]


async def test_list_contacts_of_one_customer(api: ApiClient) -> None:
    first = await create_customer(api, contacts=[contact_body(0), contact_body(1)])
    second = await create_customer(api, contacts=[contact_body(2)])

    mine = (await api.get(f"/v1/contacts?customer_id={first['id']}")).json()
    everyone = (await api.get("/v1/contacts?per_page=2")).json()

    assert [c["id"] for c in mine["data"]] == [c["id"] for c in reversed(first["contacts"])]
    assert mine["total"] == 2
    assert everyone["data"][0]["id"] == second["contacts"][0]["id"]
    assert (everyone["total"], everyone["has_more"]) == (3, True)


# The customer PATCH: contacts upserted, deleted, all in one transaction.


async def test_patch_upserts_contacts_and_leaves_the_others_untouched(api: ApiClient) -> None:
    customer = await create_customer(
        api, contacts=[contact_body(0), contact_body(1), contact_body(2)]
    )
    first, second, third = customer["contacts"]

    response = await api.patch(
        f"/v1/customers/{customer['id']}",
        json={
            "contacts": [
                {"id": second["id"], "email": "second@example.com", "escalation_level": 2},
                {"contact_name": "Newcomer", "email": "new@example.com", "phone_type": "work"},
            ],
            "delete_contact_ids": [third["id"]],
        },
    )

    assert response.status_code == 200, response.text
    contacts = response.json()["contacts"]
    assert [c["contact_name"] for c in contacts] == ["Contact 0", "Contact 1", "Newcomer"]
    assert contacts[0] == first
    assert (contacts[1]["email"], contacts[1]["escalation_level"]) == ("second@example.com", 2)
    assert (contacts[2]["email"], contacts[2]["phone_type"], contacts[2]["is_primary"]) == (
        "new@example.com",
        "work",
        False,
    )
    changes = await events(api)
    assert [(e["type"], e["object_id"]) for e in changes[4:]] == [
        ("contact.deleted", third["id"]),
        ("contact.updated", second["id"]),
        ("contact.created", contacts[2]["id"]),
    ]
    assert changes[5]["data"]["previous_attributes"] == {
        "email": "contact1@example.com",
        "escalation_level": 0,
    }
    assert changes[5]["data"]["communication_fields_changed"] == ["email"]


async def test_patch_can_move_the_primary_to_a_new_contact(api: ApiClient) -> None:
    customer = await create_customer(api, contacts=[contact_body(0), contact_body(1)])

    response = await api.patch(
        f"/v1/customers/{customer['id']}",
        json={"contacts": [{"contact_name": "Boss", "email": "b@example.com", "is_primary": True}]},
    )

    assert _primary_flags(response.json()["contacts"]) == {
        "Contact 0": False,
        "Contact 1": False,
        "Boss": True,
    }


async def test_patch_moves_the_primary_between_existing_contacts_either_way(
    api: ApiClient,
) -> None:
    customer = await create_customer(
        api, contacts=[contact_body(0), contact_body(1, is_primary=True), contact_body(2)]
    )
    first, _, third = customer["contacts"]
    path = f"/v1/customers/{customer['id']}"

    to_older = await api.patch(path, json={"contacts": [{"id": first["id"], "is_primary": True}]})
    to_newer = await api.patch(path, json={"contacts": [{"id": third["id"], "is_primary": True}]})

    assert _primary_flags(to_older.json()["contacts"]) == {
        "Contact 0": True,
        "Contact 1": False,
        "Contact 2": False,
    }
    assert _primary_flags(to_newer.json()["contacts"]) == {
        "Contact 0": False,
        "Contact 1": False,
        "Contact 2": True,
    }


async def test_patch_deleting_the_primary_promotes_the_oldest_remaining(api: ApiClient) -> None:
    customer = await create_customer(api, contacts=[contact_body(0), contact_body(1)])
    primary = customer["contacts"][0]

    response = await api.patch(
        f"/v1/customers/{customer['id']}",
        json={
            "delete_contact_ids": [primary["id"]],
            "contacts": [{"contact_name": "Later", "email": "l@example.com"}],
        },
    )

    assert _primary_flags(response.json()["contacts"]) == {"Contact 1": True, "Later": False}


async def test_patch_replacing_every_contact_keeps_one_primary(api: ApiClient) -> None:
    customer = await create_customer(api)

    response = await api.patch(
        f"/v1/customers/{customer['id']}",
        json={
            "delete_contact_ids": [customer["contacts"][0]["id"]],
            "contacts": [contact_body(5), contact_body(6)],
        },
    )

    assert _primary_flags(response.json()["contacts"]) == {"Contact 5": True, "Contact 6": False}


async def test_a_failing_contact_rolls_back_the_whole_patch(api: ApiClient) -> None:
    customer = await create_customer(
        api, company_name="Before", contacts=[contact_body(0), contact_body(1)]
    )
    first, second = customer["contacts"]
    unknown = "01890000-0000-7000-8000-000000000000"
    before_events = await event_types(api)

    response = await api.patch(
        f"/v1/customers/{customer['id']}",
        json={
            "company_name": "After",
            "tags": ["brand-new-tag"],
            "contacts": [
                {"id": first["id"], "email": "changed@example.com"},
                {"contact_name": "Added", "email": "added@example.com", "is_primary": True},
                {"id": unknown, "contact_name": "Ghost"},
            ],
            "delete_contact_ids": [second["id"]],
        },
    )

    error = assert_error(response, 404, "not_found")
    assert unknown in str(error["message"])
    assert (await api.get(f"/v1/customers/{customer['id']}")).json() == customer
    assert (await api.get("/v1/tags")).json()["total"] == 0
    assert (await api.get(f"/v1/contacts?customer_id={customer['id']}")).json()["total"] == 2
    assert await event_types(api) == before_events


async def test_invalid_parts_of_a_patch_are_refused_and_change_nothing(api: ApiClient) -> None:
    customer = await create_customer(api, contacts=[contact_body(0), contact_body(1)])
    first, second = customer["contacts"]
    path = f"/v1/customers/{customer['id']}"
    before_events = await event_types(api)
    cases: list[tuple[dict[str, Any], int, str, str | None]] = [
        (
            {"notes": "x", "contacts": [{"contact_name": "No email"}]},
            422,
            "validation_error",
            "contacts[0].email",
        ),
        (
            {"contacts": [{"id": first["id"], "is_primary": False}]},
            422,
            "validation_error",
            "contacts[0].is_primary",
        ),
        (
            {
                "contacts": [
                    {"id": first["id"], "is_primary": True},
                    {"id": second["id"], "is_primary": True},
                ]
            },
            422,
            "validation_error",
            "contacts[1].is_primary",
        ),
        (
            {"contacts": [{"id": first["id"], "title": "a"}, {"id": first["id"], "title": "b"}]},
            422,
            "validation_error",
            "contacts[1].id",
        ),
        (
            {"contacts": [{"id": second["id"]}], "delete_contact_ids": [second["id"]]},
            422,
            "validation_error",
            "delete_contact_ids[0]",
        ),
        (
            {"notes": "x", "delete_contact_ids": [first["id"], second["id"]]},
            409,
            "invalid_state",
            None,
        ),
    ]
    for body, status, code, field in cases:
        error = assert_error(await api.patch(path, json=body), status, code)
        if field is not None:
            assert [d["field"] for d in error["details"]] == [field], body

    assert (await api.get(path)).json() == customer
    assert await event_types(api) == before_events


async def test_another_customers_contact_is_not_found_in_a_patch(api: ApiClient) -> None:
    mine = await create_customer(api)
    other = await create_customer(api, contacts=[contact_body(0), contact_body(1)])
    foreign = other["contacts"][1]["id"]

    for body in (
        {"contacts": [{"id": foreign, "title": "Mine now"}]},
        {"delete_contact_ids": [foreign]},
    ):
        error = assert_error(
            await api.patch(f"/v1/customers/{mine['id']}", json=body), 404, "not_found"
        )
        assert foreign in str(error["message"])
    assert (await api.get(f"/v1/customers/{other['id']}")).json() == other


async def test_concurrent_deletes_never_remove_the_last_contact(api: ApiClient) -> None:
    customer = await create_customer(api, contacts=[contact_body(0), contact_body(1)])
    first, second = customer["contacts"]

    responses = await asyncio.gather(
        api.delete(f"/v1/contacts/{first['id']}"), api.delete(f"/v1/contacts/{second['id']}")
    )

    assert sorted(r.status_code for r in responses) == [200, 409]
    left = await _contacts(api, customer["id"])
    assert len(left) == 1
    assert left[0]["is_primary"] is True


async def test_concurrent_promotions_leave_exactly_one_primary(api: ApiClient) -> None:
    customer = await create_customer(
        api, contacts=[contact_body(0), contact_body(1), contact_body(2)]
    )
    _, second, third = customer["contacts"]

    responses = await asyncio.gather(
        api.patch(f"/v1/contacts/{second['id']}", json={"is_primary": True}),
        api.patch(f"/v1/contacts/{third['id']}", json={"is_primary": True}),
    )

    assert [r.status_code for r in responses] == [200, 200]
    flags = _primary_flags(await _contacts(api, customer["id"]))
    assert list(flags.values()).count(True) == 1
    assert flags["Contact 0"] is False
