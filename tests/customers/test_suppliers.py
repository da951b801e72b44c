"""Suppliers: the customer fields without contacts, in a list of their own."""

from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.customers.factories import create_customer, events


async def test_supplier_lifecycle(api: ApiClient) -> None:
    created = await api.post(
        "/v1/suppliers",
        json={
            "name": "Parts AE",
            "email": "sales@parts.example",
            "tax_id": "EL094259216",
            "address": {"city": "Athens", "country": "GR"},
            "currency": "EUR",
            "external_id": "SUP-1",
        },
    )
    assert created.status_code == 201, created.text
    supplier = created.json()
    assert supplier == {
        "id": supplier["id"],
        "object": "supplier",
        "company_name": "Parts AE",
        "email": "sales@parts.example",
        "phone": None,
        "tax_id": "EL094259216",
        "address": {"street": None, "city": "Athens", "zip": None, "state": None, "country": "GR"},
        "electronic_address": None,
        "currency": "EUR",
        "timezone": None,
        "locale": None,
        "external_id": "SUP-1",
        "notes": None,
        "metadata": {},
        "livemode": False,
        "created_at": supplier["created_at"],
        "updated_at": supplier["created_at"],
    }
    path = f"/v1/suppliers/{supplier['id']}"
    assert (await api.get(path)).json() == supplier

    updated = await api.patch(path, json={"phone": "+30 210 000 0000"})
    assert updated.json()["phone"] == "+30 210 000 0000"
    assert (await api.delete(path)).json() == {"id": supplier["id"], "deleted": True}
    assert_error(await api.get(path), 404, "not_found")

    recorded = await events(api)
    assert [e["type"] for e in recorded] == [
        "supplier.created",
        "supplier.updated",
        "supplier.deleted",
    ]
    assert recorded[1]["data"]["previous_attributes"] == {"phone": None}


async def test_suppliers_and_customers_are_separate_lists(api: ApiClient) -> None:
    customer = await create_customer(api, company_name="Shared Name Ltd", external_id="X-1")
    supplier = (
        await api.post("/v1/suppliers", json={"name": "Shared Name Ltd", "external_id": "X-1"})
    ).json()

    suppliers = (await api.get("/v1/suppliers?search=shared")).json()
    customers = (await api.get("/v1/customers?search=shared")).json()

    assert [s["id"] for s in suppliers["data"]] == [supplier["id"]]
    assert [c["id"] for c in customers["data"]] == [customer["id"]]
    assert_error(await api.get(f"/v1/suppliers/{customer['id']}"), 404, "not_found")
    assert_error(await api.get(f"/v1/customers/{supplier['id']}"), 404, "not_found")
    assert_error(await api.delete(f"/v1/customers/{supplier['id']}"), 404, "not_found")
    contact = {"customer_id": supplier["id"], "contact_name": "A", "email": "a@example.com"}
    assert_error(await api.post("/v1/contacts", json=contact), 404, "not_found")


async def test_supplier_rules(api: ApiClient) -> None:
    first = (await api.post("/v1/suppliers", json={"name": "A", "external_id": "S-1"})).json()

    duplicate = await api.post("/v1/suppliers", json={"name": "B", "external_id": "S-1"})
    with_contacts = await api.post("/v1/suppliers", json={"name": "C", "contacts": []})
    without_name = await api.post("/v1/suppliers", json={"email": "x@example.com"})

    assert first["currency"] == "ILS"
    assert_error(duplicate, 409, "conflict")
    error = assert_error(with_contacts, 422, "validation_error")
    assert [d["field"] for d in error["details"]] == ["contacts"]
    error = assert_error(without_name, 422, "validation_error")
    assert [d["field"] for d in error["details"]] == ["company_name"]
    listed = (await api.get("/v1/suppliers")).json()
    assert [s["id"] for s in listed["data"]] == [first["id"]]
