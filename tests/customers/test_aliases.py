"""Customer bodies as seed 003 writes them: the address in one string, the caller's own id in
`customer_id`."""

from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.customers.factories import create_customer, customer_body

STREET_ONLY = {"street": "12 Herzl St, Tel Aviv", "city": None, "zip": None, "state": None}


async def test_an_address_in_one_string_is_its_street_line(api: ApiClient) -> None:
    customer = await create_customer(api, address="12 Herzl St, Tel Aviv")

    assert customer["address"] == {**STREET_ONLY, "country": None}
    changed = await api.patch(
        f"/v1/customers/{customer['id']}", json={"address": "1 Rothschild Blvd"}
    )
    assert changed.json()["address"]["street"] == "1 Rothschild Blvd"
    account = await api.patch("/v1/account", json={"address": "Main St 5"})
    assert account.json()["address"]["street"] == "Main St 5"


async def test_a_bad_address_string_is_refused_on_address(api: ApiClient) -> None:
    for bad in ("x" * 301, "line\x00break"):
        response = await api.post("/v1/customers", json=customer_body(address=bad))
        error = assert_error(response, 422, "validation_error")
        assert [d["field"] for d in error["details"]] == ["address.street"]
    assert (await api.get("/v1/customers")).json()["total"] == 0


async def test_customer_id_on_create_is_the_external_id(api: ApiClient) -> None:
    customer = await create_customer(api, customer_id="CRM-7")

    assert customer["external_id"] == "CRM-7"
    found = (await api.get("/v1/customers?external_id=CRM-7")).json()["data"]
    assert [c["id"] for c in found] == [customer["id"]]
    both = await api.post(
        "/v1/customers", json=customer_body(customer_id="CRM-8", external_id="CRM-9")
    )
    assert assert_error(both, 422, "validation_error")["details"] == [
        {"field": "customer_id", "message": "give external_id or its alias customer_id, not both"}
    ]
