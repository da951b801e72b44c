"""Documents for tests, made through the API; amounts read back as exact Decimals."""

import uuid
from typing import Any

import httpx
import simplejson
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from faktura.core.jsoncodec import dumps, loads
from faktura.db.session import Database
from faktura.documents.models import Document
from faktura.documents.output import document_out
from faktura.documents.stored_text import OUTPUT_VERSION
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


def textual(body: bytes | str) -> Any:
    """JSON with every number kept as the text written: 100.00 and 100.0 differ here."""
    return simplejson.loads(
        body, parse_float=lambda text: ("number", text), parse_int=lambda text: ("number", text)
    )


async def assert_documents_rendered(db: Database, account_id: uuid.UUID) -> None:
    """Every stored text of the account's documents is current — written for the row's
    updated_at by this output version — and is what `document_out` writes of the document as it
    is now: no change went past the code that keeps it. (A document may have none: rows written
    around the ORM, as by a migration or a bulk load, are built on reading.)"""
    async with db.transaction(writes=False) as session:
        documents = (
            (
                await session.execute(
                    select(Document)
                    .where(Document.account_id == account_id)
                    .options(selectinload(Document.lines))
                )
            )
            .scalars()
            .all()
        )
    for document in documents:
        if document.rendered is None:
            continue
        stamp = (document.rendered_version, document.rendered_at)
        assert stamp == (OUTPUT_VERSION, document.updated_at), f"document {document.id}: {stamp}"
        stored, actual = textual(document.rendered), textual(dumps(document_out(document)))
        differing = {
            key: (stored[key], actual[key]) for key in actual if stored[key] != actual[key]
        }
        assert differing == {}, f"document {document.id}, stored (left) vs now: {differing}"
