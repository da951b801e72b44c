"""Customers, contacts and tags for tests, made through the API."""

from typing import Any

import httpx

from faktura.core.jsoncodec import loads
from tests.accounts.factories import ApiClient


def contact_body(index: int = 0, **overrides: Any) -> dict[str, Any]:
    return {"contact_name": f"Contact {index}", "email": f"contact{index}@example.com", **overrides}


def customer_body(**overrides: Any) -> dict[str, Any]:
    return {"company_name": "Globex Ltd", "contacts": [contact_body()], **overrides}


async def create_customer(api: ApiClient, **overrides: Any) -> dict[str, Any]:
    response = await api.post("/v1/customers", json=customer_body(**overrides))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def delete_with_body(api: ApiClient, path: str, json: Any) -> httpx.Response:
    """DELETE with a JSON body (untagging customers)."""
    return await api.http.request(
        "DELETE", path, json=json, headers={"Authorization": f"Bearer {api.key}"}
    )


async def events(api: ApiClient, event_type: str | None = None) -> list[dict[str, Any]]:
    """The account's events of this mode, oldest first, numbers as exact Decimals."""
    query = f"?per_page=100&type={event_type}" if event_type else "?per_page=100"
    response = await api.get(f"/v1/events{query}")
    assert response.status_code == 200, response.text
    return list(reversed(loads(response.content)["data"]))


async def event_types(api: ApiClient) -> list[str]:
    return [event["type"] for event in await events(api)]
