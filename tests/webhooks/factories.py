"""Webhook endpoints and deliveries for tests, made through the API."""

from typing import Any

from tests.accounts.factories import ApiClient


async def create_endpoint(api: ApiClient, url: str, **overrides: Any) -> dict[str, Any]:
    body = {"url": url, "events": ["*"], **overrides}
    response = await api.post("/v1/webhook_endpoints", json=body)
    assert response.status_code == 201, response.text
    endpoint: dict[str, Any] = response.json()
    return endpoint


async def deliveries(
    api: ApiClient, endpoint_id: str, status: str | None = None
) -> list[dict[str, Any]]:
    """The endpoint's deliveries, oldest first."""
    query = "?per_page=100" + (f"&status={status}" if status else "")
    response = await api.get(f"/v1/webhook_endpoints/{endpoint_id}/deliveries{query}")
    assert response.status_code == 200, response.text
    return list(reversed(response.json()["data"]))
