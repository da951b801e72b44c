"""Unit prices carry 8 decimals and quantities 6 (energy, telecom, per-unit cloud prices), on
lines and in the catalog; the line amount is rounded to the currency once."""

from decimal import Decimal

import pytest

from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.documents.factories import create_document, exact, line


async def test_an_electricity_line_at_a_fraction_of_a_cent(api: ApiClient) -> None:
    # EN 16931's electricity example: a price of 0.00101 a kWh.
    invoice = await create_document(
        api,
        tax_amount="0",
        line_items=[line(description="kWh", quantity="1000.123456", unit_price="0.00101")],
    )

    [stored] = exact(await api.get(f"/v1/invoices/{invoice['id']}"))["line_items"]

    assert (stored["quantity"], stored["unit_price"]) == (
        Decimal("1000.123456"),
        Decimal("0.00101"),
    )
    assert stored["amount"] == Decimal("1.01")  # 1.01012469056, rounded once
    assert exact(await api.get(f"/v1/invoices/{invoice['id']}"))["total"] == Decimal("1.01")


@pytest.mark.parametrize(
    ("quantity", "unit_price", "field", "message"),
    [
        ("1", "0.000000001", "unit_price", "at most 8 decimals"),
        ("0.0000001", "1", "quantity", "at most 6 decimals"),
    ],
)
async def test_finer_values_are_refused_not_rounded(
    api: ApiClient, quantity: str, unit_price: str, field: str, message: str
) -> None:
    customer = (await create_document(api))["customer_id"]

    response = await api.post(
        "/v1/invoices",
        json={
            "customer_id": customer,
            "line_items": [line(quantity=quantity, unit_price=unit_price)],
        },
    )

    error = assert_error(response, 422, "validation_error")
    assert error["details"] == [{"field": f"line_items[0].{field}", "message": message}]


async def test_a_catalog_item_keeps_its_8_decimal_price(api: ApiClient) -> None:
    response = await api.post(
        "/v1/items", json={"name": "API call", "unit_price": "0.00000125", "currency": "ILS"}
    )
    assert response.status_code == 201, response.text
    item = exact(response)

    invoice = await create_document(
        api, tax_amount="0", line_items=[{"item_id": item["id"], "quantity": "400000"}]
    )

    assert exact(await api.get(f"/v1/items/{item['id']}"))["unit_price"] == Decimal("0.00000125")
    [stored] = invoice["line_items"]
    assert (stored["unit_price"], stored["amount"]) == (Decimal("0.00000125"), Decimal("0.50"))
    too_fine = await api.patch(f"/v1/items/{item['id']}", json={"unit_price": "0.000000001"})
    assert assert_error(too_fine, 422, "validation_error")["details"] == [
        {"field": "unit_price", "message": "at most 8 decimals"}
    ]
