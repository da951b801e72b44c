"""A new row's updated_at is its created_at; a change moves only updated_at."""

from datetime import datetime

from tests.accounts.factories import ApiClient
from tests.customers.factories import create_customer
from tests.documents.factories import create_document


async def test_new_rows_read_as_never_changed(api: ApiClient) -> None:
    customer = await create_customer(api)
    item = (await api.post("/v1/items", json={"name": "Hour", "unit_price": "80"})).json()
    draft = await create_document(api, status="draft", customer_id=customer["id"])

    for row in (customer, customer["contacts"][0], item, draft):
        assert row["updated_at"] == row["created_at"]

    changed = (await api.patch(f"/v1/items/{item['id']}", json={"name": "Hours"})).json()
    assert changed["created_at"] == item["created_at"]
    assert datetime.fromisoformat(changed["updated_at"]) > datetime.fromisoformat(
        item["updated_at"]
    )
