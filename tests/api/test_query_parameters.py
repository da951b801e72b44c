"""Query parameters are checked like bodies: one the route does not declare is refused."""

from typing import Any

import httpx

from faktura.db.session import Database
from tests.accounts.factories import ApiClient
from tests.customers.factories import create_customer


def _list_paths(openapi: dict[str, Any]) -> list[str]:
    """Every GET of the API without a path parameter: the lists, reports and settings."""
    return sorted(
        path
        for path, operations in openapi["paths"].items()
        if path.startswith("/v1/") and "get" in operations and "{" not in path
    )


async def test_every_list_route_refuses_an_unknown_query_parameter(
    api: ApiClient, http: httpx.AsyncClient
) -> None:
    openapi = (await http.get("/openapi.json")).json()
    paths = _list_paths(openapi)

    answers = {path: await api.get(f"{path}?client_id=1") for path in paths}

    assert {"/v1/invoices", "/v1/customers", "/v1/messages", "/v1/events"} <= set(paths)
    for path, response in answers.items():
        assert response.status_code == 422, (path, response.text)
        assert response.json()["error"]["details"] == [
            {"field": "client_id", "message": "unknown query parameter"}
        ], path


async def test_declared_aliases_are_known_and_limit_is_per_page(
    api: ApiClient, db: Database
) -> None:
    for n in range(3):
        await create_customer(api, company_name=f"Customer {n}")

    by_limit = await api.get("/v1/customers?limit=1")
    both = await api.get("/v1/customers?limit=2&per_page=2")
    differing = await api.get("/v1/customers?limit=1&per_page=2")
    aliased = await api.get("/v1/invoices?from=2026-01-01&to=2026-12-31")

    assert by_limit.status_code == 200
    assert (len(by_limit.json()["data"]), by_limit.json()["per_page"]) == (1, 1)
    assert len(both.json()["data"]) == 2
    assert differing.status_code == 422
    assert differing.json()["error"]["details"][0]["field"] == "limit"
    assert aliased.status_code == 200
