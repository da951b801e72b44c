"""The document as the API shows it is built by hand (service.document_out) for speed: these
tests hold it to the `Document` schema — the same fields, in its order, of its types — and
check that an event carries exactly what the API answered."""

from decimal import Decimal
from typing import Any

from faktura.core.jsoncodec import dumps, loads
from faktura.documents import schemas
from tests.accounts.factories import ApiClient
from tests.customers.factories import events
from tests.documents.factories import create_document, exact, line


def assert_schema_shape(document: dict[str, Any], *, ordered: bool = True) -> None:
    """`ordered=False` for a document read back from an event: PostgreSQL's jsonb keeps the
    keys, not their order."""
    shape = list if ordered else set
    assert shape(document) == shape(schemas.Document.model_fields)
    for item in document["line_items"]:
        assert shape(item) == shape(schemas.LineItem.model_fields)
    for row in document["tax_breakdown"]:
        assert shape(row) == shape(schemas.TaxBreakdown.model_fields)
    validated = schemas.Document.model_validate(document).model_dump(mode="python")
    assert loads(dumps(validated)) == document


async def test_every_kind_of_document_has_the_schemas_fields(api: ApiClient) -> None:
    invoice = await create_document(
        api,
        line_items=[
            line(quantity="2.5", unit_price="10.00", vat_rate="17", discount={"percent": "10"}),
            line(unit_price="40.00", vat_type="exempt", vat_exemption_reason="Export"),
            line(unit_price="5.00", vat_rate="17", discount={"amount": "1.00"}),
        ],
        discount_amount="2.00",
        notes="Thank you",
    )
    draft_quote = await create_document(api, "quotes", status="draft")
    credit_note = await create_document(
        api,
        "credit_notes",
        customer_id=invoice["customer_id"],
        related_document_id=invoice["id"],
        line_items=[line(unit_price="5.00", vat_rate="17")],
    )
    receipt = await create_document(api, "receipts", line_items=[line(unit_price="30.00")])
    for document in (invoice, draft_quote, credit_note, receipt):
        assert_schema_shape(document)
    assert invoice["line_items"][0]["quantity"] == Decimal("2.5")
    assert invoice["line_items"][0]["discount_percent"] == Decimal("10")
    assert draft_quote["number"] is None
    assert credit_note["related_document_id"] == invoice["id"]

    listed = exact(await api.get("/v1/documents?per_page=10"))["data"]
    assert [d["id"] for d in listed] == [
        receipt["id"],
        credit_note["id"],
        draft_quote["id"],
        invoice["id"],
    ]
    for document in listed:
        assert_schema_shape(document)
    assert exact(await api.get(f"/v1/invoices/{invoice['id']}")) == listed[3]


async def test_the_finalized_event_carries_the_answer(api: ApiClient) -> None:
    invoice = await create_document(api, line_items=[line(vat_rate="17")])

    finalized = await events(api, "invoice.finalized")
    created = await events(api, "invoice.created")

    assert len(finalized) == 1
    differing = {k for k in invoice if finalized[0]["data"]["object"].get(k) != invoice[k]}
    assert differing == set()
    draft = created[0]["data"]["object"]
    assert (draft["id"], draft["status"], draft["number"]) == (invoice["id"], "draft", None)
    assert_schema_shape(draft, ordered=False)
