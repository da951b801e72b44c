"""Money is exact: Decimals go out as the same digits and come back as Decimals."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx

from faktura_sdk import Faktura, models
from faktura_sdk._json import dumps, loads
from tests.server import Credentials, FakturaServer


def test_a_line_of_three_at_ten_cents_totals_thirty_cents_exactly(
    server: FakturaServer, account: Credentials
) -> None:
    bodies: list[bytes] = []
    with (
        httpx.Client(event_hooks={"request": [lambda r: bodies.append(r.content)]}) as http,
        Faktura(account.api_key, server.base_url, http_client=http) as client,
    ):
        customer = client.customers.create(
            company_name="Penny Ltd",
            contacts=[{"contact_name": "Penny", "email": "penny@example.com"}],
        )
        line = models.LineItemIn(
            description="Stamp",
            quantity=Decimal("3"),
            unit_price=Decimal("0.10"),
            vat_type="exempt",
            vat_exemption_reason="Postage stamps",
        )
        created = client.invoices.create(customer_id=customer.id, line_items=[line])
        invoice = client.invoices.retrieve(created.id)

    assert b'"unit_price":0.10' in bodies[-2]  # the invoice's POST, written from the Decimal
    assert b'"quantity":3' in bodies[-2]
    assert isinstance(invoice.total, Decimal)
    assert invoice.line_items[0].amount == Decimal("0.30")
    assert invoice.subtotal == Decimal("0.30")
    assert invoice.tax_amount == Decimal("0.00")
    assert invoice.total == Decimal("0.30")
    assert invoice.amount_due == Decimal("0.30")
    assert str(invoice.total) == "0.30"  # the server's digits, not 0.3 or 0.299999…


def test_vat_is_computed_on_exact_amounts(server: FakturaServer, account: Credentials) -> None:
    with Faktura(account.api_key, server.base_url) as client:
        customer = client.customers.create(
            company_name="Decimal GmbH",
            contacts=[{"contact_name": "Dee", "email": "dee@example.com"}],
        )
        invoice = client.invoices.create(
            customer_id=customer.id,
            line_items=[{"description": "Energy", "quantity": 1000, "unit_price": "0.00101"}],
        )
    assert invoice.line_items[0].unit_price == Decimal("0.00101")
    assert invoice.subtotal == Decimal("1.01")
    assert invoice.tax_amount == Decimal("0.19")  # 19 % of 1.01, half-up
    assert invoice.total == Decimal("1.20")


def test_json_writes_decimals_with_their_digits_and_reads_numbers_as_decimals() -> None:
    body = dumps({"a": Decimal("0.10"), "b": Decimal("1E+2"), "c": [Decimal("-0.000001")]})
    assert body == b'{"a":0.10,"b":100,"c":[-0.000001]}'
    assert json.loads(body) == {"a": 0.1, "b": 100, "c": [-0.000001]}  # valid JSON
    read = loads(b'{"total": 1234.50, "count": 3}')
    assert read == {"total": Decimal("1234.50"), "count": 3}
    assert str(read["total"]) == "1234.50"


def test_a_model_serializes_money_without_float() -> None:
    line = models.LineItemIn(description="x", unit_price=Decimal("0.1"), quantity=Decimal("3"))
    assert dumps(line) == b'{"description":"x","quantity":3,"unit_price":0.1}'
