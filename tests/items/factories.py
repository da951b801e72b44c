"""Catalog items, made through the API."""

from typing import Any

from tests.accounts.factories import ApiClient
from tests.documents.factories import exact


async def create_item(api: ApiClient, **overrides: Any) -> dict[str, Any]:
    """An item ("Consulting" at 100 unless overridden); its JSON with exact numbers."""
    response = await api.post(
        "/v1/items", json={"name": "Consulting", "unit_price": "100", **overrides}
    )
    assert response.status_code == 201, response.text
    item: dict[str, Any] = exact(response)
    return item
