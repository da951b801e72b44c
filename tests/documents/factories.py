"""Documents for tests, made through the API; amounts read back as exact Decimals."""

from typing import Any

import httpx

from faktura.core.jsoncodec import loads
from tests.accounts.factories import ApiClient
from tests.customers.factories import create_customer

ISSUE_DATE = "2026-11-23"


def exact(response: httpx.Response) -> Any:
    return loads(response.content)


def line(
    description: str = "Consulting",
    quantity: str = "1",
    unit_price: str = "100.00",
    **overrides: Any,
) -> dict[str, Any]:
    return {"description": description, "quantity": quantity, "unit_price": unit_price, **overrides}


async def create_document(
    api: ApiClient,
    path: str = "invoices",
    *,
    customer_id: str | None = None,
    expect: int = 201,
    **overrides: Any,
) -> dict[str, Any]:
    if customer_id is None:
        customer_id = (await create_customer(api))["id"]
    body = {
        "customer_id": customer_id,
        "issue_date": ISSUE_DATE,
        "line_items": [line()],
        **overrides,
    }
    response = await api.post(f"/v1/{path}", json=body)
    assert response.status_code == expect, response.text
    document: dict[str, Any] = exact(response)
    return document
