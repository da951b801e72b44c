"""Payments and the invoices they pay, made through the API."""

from decimal import Decimal
from typing import Any

from tests.accounts.factories import ApiClient
from tests.documents.factories import create_document, exact, line


async def pay(api: ApiClient, expect: int = 201, **body: Any) -> dict[str, Any]:
    """Record a payment (dated 2026-11-23 unless `payment_date` is given); its JSON, exact."""
    response = await api.post("/v1/payments", json={"payment_date": "2026-11-23", **body})
    assert response.status_code == expect, response.text
    result: dict[str, Any] = exact(response)
    return result


async def invoice_of(
    api: ApiClient, amount: str, customer_id: str | None = None, **overrides: Any
) -> dict[str, Any]:
    """An invoice whose total is exactly `amount` (no VAT)."""
    return await create_document(
        api,
        customer_id=customer_id,
        tax_amount="0",
        line_items=[line(unit_price=amount)],
        **overrides,
    )


async def status_of(api: ApiClient, invoice: dict[str, Any]) -> tuple[str, Decimal, Decimal]:
    body = exact(await api.get(f"/v1/invoices/{invoice['id']}"))
    return body["status"], body["amount_paid"], body["amount_due"]
