"""What a create body may say beyond lines: the status to land in, what is already paid
elsewhere, a credit note's defaults from its invoice (seed 003's create bodies among them)."""

from decimal import Decimal

from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.documents.factories import create_document, exact, line


async def test_a_credit_note_takes_its_invoices_customer_and_currency(api: ApiClient) -> None:
    invoice = await create_document(
        api, currency="USD", tax_amount="0", line_items=[line(unit_price="100.00")]
    )

    response = await api.post(
        "/v1/credit_notes",
        json={
            "related_document_id": invoice["id"],
            "tax_amount": "0",
            "line_items": [line(description="Refund", unit_price="40.00")],
        },
    )

    assert response.status_code == 201, response.text
    note = exact(response)
    assert (note["customer_id"], note["currency"], note["total"]) == (
        invoice["customer_id"],
        "USD",
        Decimal("40.00"),
    )
    after = exact(await api.get(f"/v1/invoices/{invoice['id']}"))
    assert after["amount_due"] == Decimal("60.00")


async def test_a_credit_note_that_says_otherwise_is_still_refused(api: ApiClient) -> None:
    invoice = await create_document(api, currency="USD")

    response = await api.post(
        "/v1/credit_notes",
        json={"related_document_id": invoice["id"], "currency": "EUR", "line_items": [line()]},
    )

    error = assert_error(response, 422, "validation_error")
    assert error["details"] == [{"field": "currency", "message": "the invoice is in USD"}]


async def test_without_a_customer_or_an_invoice_to_take_one_from(api: ApiClient) -> None:
    for path in ("invoices", "credit_notes"):
        response = await api.post(f"/v1/{path}", json={"line_items": [line()]})
        error = assert_error(response, 422, "validation_error")
        assert error["details"] == [{"field": "customer_id", "message": "Field required"}]
    unknown = await api.post(
        "/v1/credit_notes",
        json={
            "related_document_id": "01a23000-0000-7000-8000-000000000009",
            "line_items": [line()],
        },
    )
    assert_error(unknown, 404, "not_found")
