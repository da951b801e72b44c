"""Customers: create, read, list with filters, update and delete."""

from datetime import UTC, datetime

from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.customers.factories import (
    contact_body,
    create_customer,
    customer_body,
    event_types,
    events,
)
from tests.documents.factories import create_document
from tests.payments.factories import pay

EMPTY_ADDRESS = {"street": None, "city": None, "zip": None, "state": None, "country": None}


async def test_create_returns_the_customer_with_the_accounts_defaults(api: ApiClient) -> None:
    response = await api.post(
        "/v1/customers",
        json={
            "company_name": "Globex Ltd",
            "email": "billing@globex.example",
            "phone": "+972-3-555-0100",
            "address": {"street": "1 Herzl St", "city": "Tel Aviv", "zip": "6100000"},
            "external_id": "CRM-17",
            "notes": "Pays on the 10th",
            "metadata": {"region": "center"},
            "contacts": [
                {
                    "contact_name": "Dana Levi",
                    "email": "dana@globex.example",
                    "phone": "+972-50-555-0101",
                    "phone_type": "mobile",
                    "title": "CFO",
                }
            ],
        },
    )

    assert response.status_code == 201, response.text
    customer = response.json()
    contact = customer["contacts"][0]
    assert customer == {
        "id": customer["id"],
        "object": "customer",
        "company_name": "Globex Ltd",
        "email": "billing@globex.example",
        "phone": "+972-3-555-0100",
        "tax_id": None,
        "address": {**EMPTY_ADDRESS, "street": "1 Herzl St", "city": "Tel Aviv", "zip": "6100000"},
        "electronic_address": None,
        "currency": "ILS",
        "timezone": None,
        "locale": None,
        "external_id": "CRM-17",
        "notes": "Pays on the 10th",
        "metadata": {"region": "center"},
        "contacts": [contact],
        "tags": [],
        "reminders_enabled": True,
        "livemode": False,
        "created_at": customer["created_at"],
        "updated_at": customer["created_at"],
    }
    assert contact == {
        "id": contact["id"],
        "object": "contact",
        "customer_id": customer["id"],
        "contact_name": "Dana Levi",
        "email": "dana@globex.example",
        "phone": "+972-50-555-0101",
        "phone_type": "mobile",
        "phone_secondary": None,
        "phone_type_secondary": None,
        "is_primary": True,
        "escalation_level": 0,
        "title": "CFO",
        "notes": None,
        "livemode": False,
        "created_at": contact["created_at"],
        "updated_at": contact["created_at"],
    }
    assert (await api.get(f"/v1/customers/{customer['id']}")).json() == customer
    created = await events(api)
    assert [e["type"] for e in created] == ["customer.created", "contact.created"]
    assert created[0]["data"] == {"object": customer}
    assert created[1]["data"] == {"object": contact}


async def test_currency_timezone_and_locale_are_kept_when_given(api: ApiClient) -> None:
    customer = await create_customer(
        api, currency="usd", timezone="America/New_York", locale="en-US"
    )

    assert (customer["currency"], customer["timezone"], customer["locale"]) == (
        "USD",
        "America/New_York",
        "en-US",
    )


async def test_name_is_accepted_as_an_alias_of_company_name(api: ApiClient) -> None:
    body = {"name": "Initech", "contacts": [contact_body()]}
    customer = (await api.post("/v1/customers", json=body)).json()
    assert customer["company_name"] == "Initech"

    both = await api.post("/v1/customers", json={**body, "company_name": "Initech"})
    error = assert_error(both, 422, "validation_error")
    assert "not both" in error["details"][0]["message"]


async def test_create_requires_at_least_one_contact_with_name_and_email(api: ApiClient) -> None:
    cases = [
        ({"company_name": "X"}, "contacts"),
        ({"company_name": "X", "contacts": []}, "contacts"),
        ({"company_name": "X", "contacts": [{"contact_name": "A"}]}, "contacts[0].email"),
        (
            {"company_name": "X", "contacts": [{"email": "a@example.com"}]},
            "contacts[0].contact_name",
        ),
        (
            {"company_name": "X", "contacts": [{"contact_name": "A", "email": "not-an-email"}]},
            "contacts[0].email",
        ),
        ({"contacts": [contact_body()]}, "company_name"),
    ]
    for body, field in cases:
        error = assert_error(await api.post("/v1/customers", json=body), 422, "validation_error")
        assert [d["field"] for d in error["details"]] == [field], body

    assert (await api.get("/v1/customers")).json()["total"] == 0
    assert await events(api) == []


async def test_wrong_types_and_unknown_fields_are_422_naming_the_field(api: ApiClient) -> None:
    cases = [
        ({"company_name": 17}, "company_name"),
        ({"email": "nobody"}, "email"),
        ({"currency": "XYZ"}, "currency"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"locale": "english"}, "locale"),
        ({"address": {"country": "Israel"}}, "address.country"),
        ({"address": {"planet": "Earth"}}, "address.planet"),
        ({"metadata": {"k": 5}}, "metadata.k"),
        ({"contacts": [contact_body(escalation_level="high")]}, "contacts[0].escalation_level"),
        ({"contacts": [contact_body(escalation_level=-1)]}, "contacts[0].escalation_level"),
        ({"contacts": [contact_body(phone_type="pager")]}, "contacts[0].phone_type"),
        ({"tags": "vip"}, "tags"),
        ({"colour": "blue"}, "colour"),
    ]
    for overrides, field in cases:
        response = await api.post("/v1/customers", json=customer_body(**overrides))
        error = assert_error(response, 422, "validation_error")
        assert [d["field"] for d in error["details"]] == [field], overrides

    assert (await api.get("/v1/customers")).json()["total"] == 0


async def test_first_contact_is_primary_unless_another_is_marked(api: ApiClient) -> None:
    unmarked = await create_customer(api, contacts=[contact_body(0), contact_body(1)])
    marked = await create_customer(
        api, contacts=[contact_body(0), contact_body(1, is_primary=True), contact_body(2)]
    )

    assert [c["is_primary"] for c in unmarked["contacts"]] == [True, False]
    assert [c["is_primary"] for c in marked["contacts"]] == [False, True, False]


async def test_two_primary_contacts_on_create_are_422(api: ApiClient) -> None:
    body = customer_body(
        contacts=[contact_body(0, is_primary=True), contact_body(1, is_primary=True)]
    )

    error = assert_error(await api.post("/v1/customers", json=body), 422, "validation_error")

    assert error["details"] == [
        {"field": "contacts[1].is_primary", "message": "only one contact can be primary"}
    ]
    assert await events(api) == []


async def test_external_id_is_unique_per_account_and_mode(api: ApiClient) -> None:
    first = await create_customer(api, external_id="CRM-1")
    other = await create_customer(api, external_id="CRM-2")

    duplicate = await api.post("/v1/customers", json=customer_body(external_id="CRM-1"))
    taken = await api.patch(f"/v1/customers/{other['id']}", json={"external_id": "CRM-1"})

    assert_error(duplicate, 409, "conflict")
    assert_error(taken, 409, "conflict")
    assert (await api.get(f"/v1/customers/{other['id']}")).json()["external_id"] == "CRM-2"
    found = (await api.get("/v1/customers?external_id=CRM-1")).json()
    assert [c["id"] for c in found["data"]] == [first["id"]]
    # The same id for its own record is not a clash.
    same = await api.patch(f"/v1/customers/{first['id']}", json={"external_id": "CRM-1"})
    assert same.status_code == 200


async def test_metadata_is_bounded_and_patched_key_by_key(api: ApiClient) -> None:
    too_many = {f"k{i}": "v" for i in range(51)}
    for metadata, field in (
        (too_many, "metadata"),
        ({"k" * 41: "v"}, "metadata.kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk.[key]"),
        ({"k": "v" * 501}, "metadata.k"),
    ):
        response = await api.post("/v1/customers", json=customer_body(metadata=metadata))
        error = assert_error(response, 422, "validation_error")
        assert [d["field"] for d in error["details"]] == [field]

    customer = await create_customer(api, metadata={"a": "1", "b": "2"})
    path = f"/v1/customers/{customer['id']}"
    merged = (await api.patch(path, json={"metadata": {"b": None, "c": "3"}})).json()
    assert merged["metadata"] == {"a": "1", "c": "3"}
    cleared = (await api.patch(path, json={"metadata": None})).json()
    assert cleared["metadata"] == {}
    full = {f"k{i}": "v" for i in range(50)}
    assert (await api.patch(path, json={"metadata": full})).status_code == 200
    error = assert_error(
        await api.patch(path, json={"metadata": {"one": "more"}}), 422, "validation_error"
    )
    assert error["details"] == [{"field": "metadata", "message": "at most 50 keys in all"}]


async def test_update_changes_only_the_given_fields_and_records_them(
    api: ApiClient, clock: list[datetime]
) -> None:
    customer = await create_customer(
        api, email="old@example.com", phone="1", address={"city": "Haifa", "country": "IL"}
    )
    clock[0] = datetime(2026, 3, 1, 9, 5, tzinfo=UTC)

    response = await api.patch(
        f"/v1/customers/{customer['id']}",
        json={"name": "Globex International", "phone": None, "address": {"city": "Eilat"}},
    )

    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["company_name"] == "Globex International"
    assert updated["phone"] is None
    assert updated["email"] == "old@example.com"
    assert updated["address"] == {**EMPTY_ADDRESS, "city": "Eilat"}
    assert [datetime.fromisoformat(c["updated_at"]) for c in (customer, updated)] == [
        datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
        datetime(2026, 3, 1, 9, 5, tzinfo=UTC),
    ]
    assert updated["created_at"] == customer["created_at"]
    update_events = await events(api, "customer.updated")
    assert len(update_events) == 1
    assert update_events[0]["data"] == {
        "object": updated,
        "previous_attributes": {
            "company_name": "Globex Ltd",
            "phone": "1",
            "address": {**EMPTY_ADDRESS, "city": "Haifa", "country": "IL"},
        },
    }


async def test_an_update_that_changes_nothing_records_nothing(api: ApiClient) -> None:
    customer = await create_customer(api, email="same@example.com")

    response = await api.patch(
        f"/v1/customers/{customer['id']}", json={"email": "same@example.com"}
    )

    assert response.json() == customer
    assert await event_types(api) == ["customer.created", "contact.created"]


async def test_required_fields_cannot_be_cleared(api: ApiClient) -> None:
    customer = await create_customer(api)
    for field in ("company_name", "currency", "contacts", "tags", "delete_contact_ids"):
        response = await api.patch(f"/v1/customers/{customer['id']}", json={field: None})
        error = assert_error(response, 422, "validation_error")
        assert [d["field"] for d in error["details"]] == [field]
    assert (await api.get(f"/v1/customers/{customer['id']}")).json() == customer


async def test_list_is_newest_first_with_pages(api: ApiClient) -> None:
    ids = [(await create_customer(api, company_name=f"C{i}"))["id"] for i in range(5)]
    newest_first = list(reversed(ids))

    first = (await api.get("/v1/customers?per_page=2")).json()
    third = (await api.get("/v1/customers?per_page=2&page=3")).json()
    after = (await api.get(f"/v1/customers?per_page=2&starting_after={newest_first[1]}")).json()

    assert [c["id"] for c in first["data"]] == newest_first[:2]
    assert (first["total"], first["has_more"], first["per_page"]) == (5, True, 2)
    assert [c["id"] for c in third["data"]] == newest_first[4:]
    assert third["has_more"] is False
    assert [c["id"] for c in after["data"]] == newest_first[2:4]
    assert first["data"][0]["contacts"][0]["contact_name"] == "Contact 0"
    assert_error(await api.get("/v1/customers?per_page=101"), 422, "validation_error")


async def test_search_matches_customer_and_contact_fields_case_insensitively(
    api: ApiClient,
) -> None:
    globex = await create_customer(
        api,
        company_name="Globex Ltd",
        email="billing@globex.example",
        tax_id="516179157",
        external_id="CRM-0042",
        address={"country": "IL"},
        contacts=[contact_body(contact_name="Dana Levi", email="dana@levi-family.example")],
    )
    initech = await create_customer(
        api,
        company_name="Initech 100% Ltd",
        contacts=[
            contact_body(0, contact_name="Peter Gibbons", email="peter@initech.example"),
            contact_body(1, contact_name="Ελένη Παπαδοπούλου", email="eleni@initech.example"),
        ],
    )

    async def found(term: str) -> list[str]:
        response = await api.get("/v1/customers", params={"search": term})
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()["data"]]

    assert await found("GLOBEX") == [globex["id"]]  # company name and email
    assert await found("billing@") == [globex["id"]]
    assert await found("6179") == [globex["id"]]  # tax id
    assert await found("crm-0042") == [globex["id"]]  # external id
    assert await found("dana levi") == [globex["id"]]  # contact name
    assert await found("levi-family") == [globex["id"]]  # contact email
    assert await found("GIBBONS") == [initech["id"]]
    assert await found("ΠΑΠΑΔΟΠΟΎΛΟΥ") == [initech["id"]]  # case-folded beyond ASCII
    assert await found("100%") == [initech["id"]]  # % is a literal, not a wildcard
    assert await found("%") == [initech["id"]]
    assert await found("_") == []
    assert await found(".example") == [initech["id"], globex["id"]]
    assert await found("nobody") == []


async def test_search_follows_contact_changes(api: ApiClient) -> None:
    customer = await create_customer(api, contacts=[contact_body(contact_name="Old Name")])
    contact_id = customer["contacts"][0]["id"]

    await api.patch(f"/v1/contacts/{contact_id}", json={"contact_name": "Fresh Name"})
    added = await api.post(
        "/v1/contacts",
        json={"customer_id": customer["id"], "contact_name": "Second", "email": "s@x.example"},
    )

    assert added.status_code == 201
    assert (await api.get("/v1/customers?search=old name")).json()["total"] == 0
    assert (await api.get("/v1/customers?search=fresh name")).json()["total"] == 1
    assert (await api.get("/v1/customers?search=s@x.example")).json()["total"] == 1
    await api.delete(f"/v1/contacts/{added.json()['id']}")
    assert (await api.get("/v1/customers?search=s@x.example")).json()["total"] == 0


async def test_created_range_filters_by_date_or_timestamp(
    api: ApiClient, clock: list[datetime]
) -> None:
    made = {}
    for day in (1, 2, 3):
        clock[0] = datetime(2026, 3, day, 12, 0, tzinfo=UTC)
        made[day] = (await create_customer(api, company_name=f"Day {day}"))["id"]

    async def found(query: str) -> list[str]:
        response = await api.get(f"/v1/customers?{query}")
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()["data"]]

    assert await found("created_from=2026-03-02") == [made[3], made[2]]
    assert await found("created_to=2026-03-02") == [made[2], made[1]]
    assert await found("created_from=2026-03-02&created_to=2026-03-02") == [made[2]]
    assert await found("created_from=2026-03-02T12:00:00Z") == [made[3], made[2]]
    assert await found("created_to=2026-03-02T11:59:59Z") == [made[1]]
    assert await found("created_to=2026-03-02T12:00:00Z") == [made[2], made[1]]
    assert_error(await api.get("/v1/customers?created_from=soon"), 422, "validation_error")


async def test_delete_removes_the_customer_and_its_contacts(api: ApiClient) -> None:
    customer = await create_customer(api, contacts=[contact_body(0), contact_body(1)])

    response = await api.delete(f"/v1/customers/{customer['id']}")

    assert response.status_code == 200
    assert response.json() == {"id": customer["id"], "deleted": True}
    assert_error(await api.get(f"/v1/customers/{customer['id']}"), 404, "not_found")
    for contact in customer["contacts"]:
        assert_error(await api.get(f"/v1/contacts/{contact['id']}"), 404, "not_found")
    deleted = await events(api, "customer.deleted")
    assert [e["data"] for e in deleted] == [{"object": customer}]
    assert_error(await api.delete(f"/v1/customers/{customer['id']}"), 404, "not_found")


async def test_a_customer_with_issued_documents_cannot_be_deleted(api: ApiClient) -> None:
    customer = await create_customer(api)
    invoice = await create_document(api, customer_id=customer["id"])
    before = await event_types(api)

    response = await api.delete(f"/v1/customers/{customer['id']}")

    error = assert_error(response, 409, "invalid_state")
    assert error["message"] == (
        "The customer has issued documents and cannot be deleted; its documents keep it"
    )
    assert (await api.get(f"/v1/customers/{customer['id']}")).json() == customer
    assert (await api.get(f"/v1/invoices/{invoice['id']}")).json() == invoice
    assert await event_types(api) == before  # no customer.deleted


async def test_a_customer_with_a_recorded_payment_cannot_be_deleted(api: ApiClient) -> None:
    customer = await create_customer(api)
    assert (await api.patch("/v1/account", json={"issue_receipts": False})).status_code == 200
    payment = await pay(api, amount="25.00", currency="EUR", customer_id=customer["id"])
    before = await event_types(api)

    response = await api.delete(f"/v1/customers/{customer['id']}")

    error = assert_error(response, 409, "invalid_state")
    assert error["message"] == (
        "The customer has recorded payments and cannot be deleted; its payments keep it"
    )
    assert (await api.get(f"/v1/customers/{customer['id']}")).json() == customer
    assert (await api.get(f"/v1/payments/{payment['id']}")).json()["customer_id"] == customer["id"]
    assert await event_types(api) == before  # no customer.deleted


async def test_a_customer_with_only_drafts_is_deleted_with_them(api: ApiClient) -> None:
    customer = await create_customer(api)
    draft = await create_document(api, customer_id=customer["id"], status="draft")

    response = await api.delete(f"/v1/customers/{customer['id']}")

    assert response.status_code == 200, response.text
    assert_error(await api.get(f"/v1/invoices/{draft['id']}"), 404, "not_found")
    assert (await event_types(api))[-1] == "customer.deleted"


async def test_unknown_customer_is_404(api: ApiClient) -> None:
    missing = "01890000-0000-7000-8000-000000000000"
    for response in (
        await api.get(f"/v1/customers/{missing}"),
        await api.patch(f"/v1/customers/{missing}", json={"notes": "x"}),
        await api.delete(f"/v1/customers/{missing}"),
    ):
        error = assert_error(response, 404, "not_found")
        assert error["message"] == f"No such customer: {missing}"
    assert_error(await api.get("/v1/customers/not-a-uuid"), 404, "not_found")
