"""Payment links and the hosted page, driven through the API and the page's own form."""

import re
from typing import Any

import httpx

from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.documents.factories import exact

GOOD_CARD = {"card_number": "4242 4242 4242 4242", "card_expiry": "12/30", "card_cvc": "123"}


async def english(api: ApiClient) -> None:
    """The account's pages and labels in English (a new test account is Israeli)."""
    response = await api.patch("/v1/account", json={"locale": "en-US"})
    assert response.status_code == 200, response.text


async def refused(api: ApiClient, status: int, code: str, **body: Any) -> dict[str, Any]:
    """Creating this link is refused with `status` and `code`; the error object."""
    response = await api.post("/v1/payment_links", json=body)
    error: dict[str, Any] = assert_error(response, status, code)
    return error


async def create_link(api: ApiClient, expect: int = 201, **body: Any) -> dict[str, Any]:
    response = await api.post("/v1/payment_links", json=body)
    assert response.status_code == expect, response.text
    result: dict[str, Any] = exact(response)
    return result


def token_of(link: dict[str, Any]) -> str:
    found = re.search(r"/pay/([A-Za-z0-9_-]+)$", link["url"])
    assert found is not None, link["url"]
    return found.group(1)


async def submit(
    http: httpx.AsyncClient, link: dict[str, Any], installments: int = 1, **card: str
) -> httpx.Response:
    """The page's form, posted as a browser posts it."""
    fields = {**GOOD_CARD, **card, "installments": str(installments)}
    return await http.post(f"/pay/{token_of(link)}", data=fields)
