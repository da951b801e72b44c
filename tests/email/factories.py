"""Customers with addresses of their own (the SMTP server is shared by the session's tests),
and the documents and messages sent to them."""

import uuid
from typing import Any

from tests.accounts.factories import ApiClient
from tests.customers.factories import create_customer
from tests.documents.factories import create_document


def address(label: str = "billing") -> str:
    """An address no other test sends to."""
    return f"{label}-{uuid.uuid4().hex[:12]}@example.com"


async def customer_with(api: ApiClient, *emails: str, **overrides: Any) -> dict[str, Any]:
    """A customer whose contacts have these addresses; the first is primary."""
    contacts = [
        {"contact_name": f"Contact {index}", "email": email, "is_primary": index == 0}
        for index, email in enumerate(emails)
    ]
    return await create_customer(api, contacts=contacts, **overrides)


async def invoice_to(api: ApiClient, *emails: str, **overrides: Any) -> dict[str, Any]:
    """An invoice to a new customer with these contacts, in English unless a locale is given
    (the test account's own is he-IL)."""
    customer = await customer_with(api, *emails)
    overrides.setdefault("locale", "en")
    return await create_document(api, customer_id=customer["id"], **overrides)


async def send(
    api: ApiClient, document: dict[str, Any], path: str = "invoices", expect: int = 202, **body: Any
) -> dict[str, Any]:
    response = await api.post(f"/v1/{path}/{document['id']}/send", json=body)
    assert response.status_code == expect, response.text
    result: dict[str, Any] = response.json()
    return result


async def message(api: ApiClient, message_id: str) -> dict[str, Any]:
    response = await api.get(f"/v1/messages/{message_id}")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result
