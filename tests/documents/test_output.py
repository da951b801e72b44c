"""The document as the API shows it is built by hand (output.document_out) for speed and kept
as text with the document: these tests hold it to the `Document` schema — the same fields, in
its order, of its types — check that an event carries exactly what the API answered, and that
the stored text a page shows is what a retrieval builds."""

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from faktura.core.jsoncodec import dumps, loads
from faktura.db.session import Database
from faktura.documents import schemas
from faktura.documents.models import Document, DocumentLine
from faktura.documents.stored_text import OUTPUT_VERSION, rendered_text
from tests.accounts.factories import ApiClient
from tests.customers.factories import create_customer, events
from tests.documents.factories import create_document, exact, line, textual


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


async def test_the_stored_text_is_the_built_one_for_every_kind_of_value(
    api: ApiClient, db: Database, clock: list[datetime]
) -> None:
    """Pages and retrievals show the stored text; without it they build the document
    (document_out). Every kind of value — minor units of 0, 2, 3 and 4 decimals, amounts finer
    than them, null and empty fields, escaped text, times with and without microseconds — must
    come out of both the same, number for number."""
    awkward = 'Zoë "Q" Ltd \\ 東京 😀\u2028 </script>'
    customer = await create_customer(api, company_name=awkward, currency="EUR")
    made = [
        await create_document(
            api,
            customer_id=customer["id"],
            line_items=[
                line(quantity="2.5", unit_price="0.1234", vat_rate="19"),
                line(unit_price="40.00", vat_type="exempt", vat_exemption_reason="Export\n§6"),
                line(quantity="3", unit_price="5.00", vat_rate="7", discount={"percent": "12.5"}),
                line(unit_price="10.10", vat_rate="19", discount={"amount": "1.1"}, unit="h"),
            ],
            discount_amount="2.00",
            notes=f"{awkward}\n\tindented",
        )
    ]
    clock[0] = datetime(2026, 3, 1, 9, 0, 1, 250, tzinfo=UTC)
    for currency, price in (("JPY", "1234.5"), ("KWD", "1.2345"), ("CLF", "0.1235")):
        made.append(
            await create_document(
                api,
                customer_id=customer["id"],
                currency=currency,
                line_items=[line(quantity="3", unit_price=price, vat_rate="10")],
            )
        )
    made.append(await create_document(api, "quotes", customer_id=customer["id"], status="draft"))
    made.append(
        await create_document(
            api, customer_id=customer["id"], tax_amount="7.77", line_items=[line()]
        )
    )
    made.append(
        await create_document(
            api,
            "credit_notes",
            customer_id=customer["id"],
            related_document_id=made[0]["id"],
            line_items=[line(unit_price="0.10", vat_rate="19")],
        )
    )
    made.append(await create_document(api, "receipts", customer_id=customer["id"]))
    paid = await create_document(api, customer_id=customer["id"], tax_amount="0")
    payment = {"amount": "60.00", "invoice_id": paid["id"], "payment_date": "2026-11-23"}
    assert (await api.post("/v1/payments", json=payment)).status_code == 201
    cancelled = await create_document(api, customer_id=customer["id"])
    assert (await api.post(f"/v1/invoices/{cancelled['id']}/cancel")).status_code == 200

    page = textual((await api.get("/v1/documents?per_page=100")).content)["data"]
    assert len(page) == len(made) + 3  # the paid and cancelled invoices, the payment's receipt
    async with db.transaction() as session:
        await session.execute(
            update(Document)
            .where(Document.account_id == api.account_id)
            .values(rendered=None, updated_at=Document.updated_at)
        )
    built = textual((await api.get("/v1/documents?per_page=100")).content)["data"]
    assert built == page
    for listed in page:
        assert listed == textual((await api.get(f"/v1/documents/{listed['id']}")).content)
    by_id = {document["id"]: document for document in page}
    first = by_id[made[0]["id"]]
    assert (first["customer_name"], first["notes"]) == (awkward, f"{awkward}\n\tindented")
    assert [item["unit_price"] for item in first["line_items"]] == [
        ("number", "0.1234"),
        ("number", "40.00"),
        ("number", "5.00"),
        ("number", "10.10"),
    ]
    assert [item["quantity"] for item in first["line_items"]] == [
        ("number", "2.5"),
        ("number", "1"),
        ("number", "3"),
        ("number", "1"),
    ]
    assert first["line_items"][2]["discount_percent"] == ("number", "12.5")
    assert first["line_items"][3]["discount_amount"] == ("number", "1.10")
    assert first["created_at"] == "2026-03-01T09:00:00Z"
    assert [by_id[d["id"]]["total"] for d in made[1:4]] == [
        ("number", "4074"),
        ("number", "4.074"),
        ("number", "0.4076"),
    ]
    assert by_id[made[1]["id"]]["created_at"] == "2026-03-01T09:00:01.000250Z"
    assert by_id[made[4]["id"]]["number"] is None
    assert by_id[made[4]["id"]]["finalized_at"] is None
    assert by_id[made[5]["id"]]["tax_breakdown"] == [
        {"rate": None, "category": None, "taxable": ("number", "100.00"), "tax": ("number", "7.77")}
    ]
    partly_paid = by_id[paid["id"]]
    assert (partly_paid["status"], partly_paid["amount_paid"], partly_paid["amount_due"]) == (
        "partial",
        ("number", "60.00"),
        ("number", "40.00"),
    )
    assert by_id[cancelled["id"]]["cancelled_at"] == "2026-03-01T09:00:01.000250Z"


async def test_every_change_writes_the_text_and_a_document_without_it_is_built(
    api: ApiClient, db: Database
) -> None:
    """Made, changed in SQL (a status move), paid: each transaction leaves the text of the
    document as it is. A document without text (as after a migration that clears it) is
    listed the same, built from its row."""
    quote = await create_document(api, "quotes")
    accepted = exact(await api.post(f"/v1/quotes/{quote['id']}/accept"))
    invoice = await create_document(api, tax_amount="0")
    payment = {"amount": "10.00", "invoice_id": invoice["id"], "payment_date": "2026-11-23"}
    assert (await api.post("/v1/payments", json=payment)).status_code == 201
    paid = exact(await api.get(f"/v1/invoices/{invoice['id']}"))

    async with db.transaction() as session:
        stored = dict(
            (
                await session.execute(
                    select(Document.id, Document.rendered).where(
                        Document.id.in_([uuid.UUID(quote["id"]), uuid.UUID(invoice["id"])])
                    )
                )
            ).all()
        )
        await session.execute(
            update(Document)
            .where(Document.id == uuid.UUID(invoice["id"]))
            .values(rendered=None, updated_at=Document.updated_at)
        )
    assert loads(stored[uuid.UUID(quote["id"])]) == accepted
    assert accepted["status"] == "accepted"
    assert loads(stored[uuid.UUID(invoice["id"])]) == paid
    assert (paid["status"], paid["amount_paid"]) == ("partial", Decimal("10.00"))

    listed = textual((await api.get("/v1/documents?per_page=10")).content)["data"]
    assert [d["id"] for d in listed][1:] == [invoice["id"], quote["id"]]
    assert listed[1] == textual((await api.get(f"/v1/invoices/{invoice['id']}")).content)
    assert listed[2] == textual((await api.get(f"/v1/quotes/{quote['id']}")).content)


async def _set(db: Database, document_id: str, **values: Any) -> None:
    """Change a document's row in SQL, as a process that does not keep the text would."""
    async with db.transaction() as session:
        await session.execute(
            update(Document).where(Document.id == uuid.UUID(document_id)).values(**values)
        )


async def _shown(api: ApiClient, document_id: str) -> tuple[Any, Any]:
    listed = exact(await api.get("/v1/invoices?per_page=100"))["data"]
    [in_list] = [d for d in listed if d["id"] == document_id]
    return in_list, exact(await api.get(f"/v1/invoices/{document_id}"))


async def test_a_text_is_shown_only_while_it_is_current(api: ApiClient, db: Database) -> None:
    """A text is shown only if written for the row's updated_at by this output version: a
    change that moved updated_at without writing the text (a process of an older release
    during an upgrade), or a text of another version, is not shown — the document is built."""
    invoice = await create_document(api, tax_amount="0", notes="Thank you")
    later = datetime.fromisoformat(invoice["updated_at"]) + timedelta(seconds=1)
    forged = dumps({**loads(dumps(invoice)), "notes": "forged"}).decode()

    await _set(db, invoice["id"], rendered=forged, updated_at=Document.updated_at)
    shown_while_current = await _shown(api, invoice["id"])
    await _set(db, invoice["id"], rendered_version=OUTPUT_VERSION - 1)
    shown_of_another_version = await _shown(api, invoice["id"])
    await _set(
        db,
        invoice["id"],
        rendered_version=OUTPUT_VERSION,
        status="paid",
        amount_paid=Decimal("100.00"),
        amount_due=Decimal("0.00"),
        updated_at=later,
    )
    shown_after_a_change = await _shown(api, invoice["id"])

    assert [d["notes"] for d in shown_while_current] == ["forged", "forged"]
    assert [d["notes"] for d in shown_of_another_version] == ["Thank you", "Thank you"]
    assert [(d["status"], d["amount_due"], d["notes"]) for d in shown_after_a_change] == [
        ("paid", Decimal("0.00"), "Thank you"),
        ("paid", Decimal("0.00"), "Thank you"),
    ]
    # The next change through Faktura writes the text afresh.
    assert (await api.patch(f"/v1/invoices/{invoice['id']}", json={"notes": "Danke"})).is_success
    async with db.transaction(writes=False) as session:
        stored = await session.get_one(Document, uuid.UUID(invoice["id"]))
    assert (stored.rendered_version, stored.rendered_at) == (OUTPUT_VERSION, stored.updated_at)
    assert stored.rendered is not None
    assert loads(stored.rendered)["notes"] == "Danke"


# The text of one document as each output version writes it. A failure here means that
# `document_out` writes something differently: raise OUTPUT_VERSION (stored texts of the old
# version are then built on reading until rewritten) and add the new version's text.
OUTPUT_BY_VERSION = {
    1: (
        '{"id":"01a23000-0000-7000-8000-000000000001","object":"document","type":"invoice",'
        '"number":"INV-2026-0001","status":"pending",'
        '"customer_id":"01a23000-0000-7000-8000-000000000002","customer_name":"Globex \\"GmbH\\"",'
        '"customer_address":"Hauptstraße 1\\n10115 Berlin","currency":"EUR",'
        '"issue_date":"2026-11-23","due_date":"2026-12-23","vat_type":"excluded","line_items":['
        '{"id":"01a23000-0000-7000-8000-000000000003","item_id":null,"description":"Consulting",'
        '"quantity":2.5,"unit_price":0.1234,"unit":"h","discount_amount":null,'
        '"discount_percent":10,"vat_type":"excluded","vat_rate_id":"std","vat_rate":19,'
        '"vat_category":"S","vat_exemption_reason":null,"amount":0.28}],'
        '"subtotal":0.28,"discount_amount":0.00,"tax_amount":0.05,"tax_breakdown":['
        '{"rate":19,"category":"S","taxable":0.28,"tax":0.05}],"total":0.33,"amount_paid":0.00,'
        '"amount_credited":0.00,"external_payment_amount":0.00,"amount_due":0.33,"notes":null,'
        '"source_type":"api","related_document_id":null,"finalized_at":"2026-11-23T09:00:00Z",'
        '"sent_at":null,"cancelled_at":null,"livemode":false,'
        '"created_at":"2026-11-23T09:00:00.000250Z","updated_at":"2026-11-23T09:00:00.000250Z"}'
    ),
    2: (
        '{"id":"01a23000-0000-7000-8000-000000000001","object":"document","type":"invoice",'
        '"number":"INV-2026-0001","status":"pending",'
        '"customer_id":"01a23000-0000-7000-8000-000000000002","customer_name":"Globex \\"GmbH\\"",'
        '"customer_address":"Hauptstraße 1\\n10115 Berlin","currency":"EUR",'
        '"issue_date":"2026-11-23","due_date":"2026-12-23","vat_type":"excluded","line_items":['
        '{"id":"01a23000-0000-7000-8000-000000000003","item_id":null,"description":"Consulting",'
        '"quantity":2.5,"unit_price":0.1234,"unit":"h","discount_amount":null,'
        '"discount_percent":10,"vat_type":"excluded","vat_rate_id":"std","vat_rate":19,'
        '"vat_category":"S","vat_exemption_reason":null,"amount":0.28}],'
        '"subtotal":0.28,"discount_amount":0.00,"tax_amount":0.05,"tax_rate":null,"tax_breakdown":['
        '{"rate":19,"category":"S","taxable":0.28,"tax":0.05}],"total":0.33,"amount_paid":0.00,'
        '"amount_credited":0.00,"external_payment_amount":0.00,"amount_due":0.33,"notes":null,'
        '"biller_id":null,"payment_method_id":null,'
        '"source_type":"api","related_document_id":null,"finalized_at":"2026-11-23T09:00:00Z",'
        '"sent_at":null,"cancelled_at":null,"cancellation_reason":null,"livemode":false,'
        '"created_at":"2026-11-23T09:00:00.000250Z","updated_at":"2026-11-23T09:00:00.000250Z"}'
    ),
    3: (
        '{"id":"01a23000-0000-7000-8000-000000000001","object":"document","type":"invoice",'
        '"number":"INV-2026-0001","status":"pending",'
        '"customer_id":"01a23000-0000-7000-8000-000000000002","customer_name":"Globex \\"GmbH\\"",'
        '"customer_address":"Hauptstraße 1\\n10115 Berlin","currency":"EUR",'
        '"issue_date":"2026-11-23","due_date":"2026-12-23","vat_type":"excluded","line_items":['
        '{"id":"01a23000-0000-7000-8000-000000000003","item_id":null,"description":"Consulting",'
        '"quantity":2.5,"unit_price":0.1234,"unit":"h","discount_amount":null,'
        '"discount_percent":10,"vat_type":"excluded","vat_rate_id":"std","vat_rate":19,'
        '"vat_category":"S","vat_exemption_reason":null,"amount":0.28}],'
        '"subtotal":0.28,"discount_amount":0.00,"tax_amount":0.05,"tax_rate":null,"tax_breakdown":['
        '{"rate":19,"category":"S","taxable":0.28,"tax":0.05}],"total":0.33,"amount_paid":0.00,'
        '"amount_credited":0.00,"external_payment_amount":0.00,"amount_due":0.33,"notes":null,'
        '"biller_id":null,"payment_method_id":null,'
        '"source_type":"api","related_document_id":null,"finalized_at":"2026-11-23T09:00:00Z",'
        '"sent_at":null,"cancelled_at":null,"cancellation_reason":null,"locale":"de-DE",'
        '"pdf":{"status":"ready","source":"generated",'
        '"url":"/v1/invoices/01a23000-0000-7000-8000-000000000001/pdf",'
        '"sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","size":1234,'
        '"generated_at":"2026-11-23T09:00:01Z"},"livemode":false,'
        '"created_at":"2026-11-23T09:00:00.000250Z","updated_at":"2026-11-23T09:00:00.000250Z"}'
    ),
    4: (
        '{"id":"01a23000-0000-7000-8000-000000000001","object":"document","type":"invoice",'
        '"number":"INV-2026-0001","status":"pending",'
        '"customer_id":"01a23000-0000-7000-8000-000000000002","customer_name":"Globex \\"GmbH\\"",'
        '"customer_address":"Hauptstraße 1\\n10115 Berlin","currency":"EUR",'
        '"issue_date":"2026-11-23","due_date":"2026-12-23","vat_type":"excluded","line_items":['
        '{"id":"01a23000-0000-7000-8000-000000000003","item_id":null,"description":"Consulting",'
        '"quantity":2.5,"unit_price":0.1234,"unit":"h","discount_amount":null,'
        '"discount_percent":10,"vat_type":"excluded","vat_rate_id":"std","vat_rate":19,'
        '"vat_category":"S","vat_exemption_reason":null,"amount":0.28}],'
        '"subtotal":0.28,"discount_amount":0.00,"tax_amount":0.05,"tax_rate":null,"tax_breakdown":['
        '{"rate":19,"category":"S","taxable":0.28,"tax":0.05}],"total":0.33,"amount_paid":0.00,'
        '"amount_credited":0.00,"external_payment_amount":0.00,"amount_due":0.33,"notes":null,'
        '"buyer_reference":"DEPT-42","purchase_order":"PO-4711",'
        '"biller_id":null,"payment_method_id":null,'
        '"source_type":"api","related_document_id":null,"finalized_at":"2026-11-23T09:00:00Z",'
        '"sent_at":null,"cancelled_at":null,"cancellation_reason":null,"locale":"de-DE",'
        '"pdf":{"status":"ready","source":"generated",'
        '"url":"/v1/invoices/01a23000-0000-7000-8000-000000000001/pdf",'
        '"sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","size":1234,'
        '"generated_at":"2026-11-23T09:00:01Z"},"livemode":false,'
        '"created_at":"2026-11-23T09:00:00.000250Z","updated_at":"2026-11-23T09:00:00.000250Z"}'
    ),
    5: (
        '{"id":"01a23000-0000-7000-8000-000000000001","object":"document","type":"invoice",'
        '"number":"INV-2026-0001","status":"pending",'
        '"customer_id":"01a23000-0000-7000-8000-000000000002","customer_name":"Globex \\"GmbH\\"",'
        '"customer_address":"Hauptstraße 1\\n10115 Berlin","currency":"EUR",'
        '"issue_date":"2026-11-23","due_date":"2026-12-23","vat_type":"excluded","line_items":['
        '{"id":"01a23000-0000-7000-8000-000000000003","item_id":null,"description":"Consulting",'
        '"quantity":2.5,"unit_price":0.1234,"unit":"h","discount_amount":null,'
        '"discount_percent":10,"vat_type":"excluded","vat_rate_id":"std","vat_rate":19,'
        '"vat_category":"S","vat_exemption_reason":null,"amount":0.28}],'
        '"subtotal":0.28,"discount_amount":0.00,"tax_amount":0.05,"tax_rate":null,"tax_breakdown":['
        '{"rate":19,"category":"S","taxable":0.28,"tax":0.05}],"total":0.33,"amount_paid":0.00,'
        '"amount_credited":0.00,"external_payment_amount":0.00,"amount_due":0.33,"notes":null,'
        '"buyer_reference":"DEPT-42","purchase_order":"PO-4711",'
        '"biller_id":null,"payment_method_id":null,'
        '"source_type":"api","related_document_id":null,"finalized_at":"2026-11-23T09:00:00Z",'
        '"sent_at":null,"cancelled_at":null,"cancellation_reason":null,"locale":"de-DE",'
        '"pdf":{"status":"ready","source":"generated",'
        '"url":"/v1/invoices/01a23000-0000-7000-8000-000000000001/pdf",'
        '"sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","size":1234,'
        '"generated_at":"2026-11-23T09:00:01Z"},"clearance":{"provider":"mydata",'
        '"environment":"sandbox","status":"cleared","reference":"400001234567890",'
        '"qr_url":"https://mydataapidev.aade.gr/TimologioQR/QRInfo?q=abc",'
        '"submitted_at":"2026-11-23T09:00:02Z","cleared_at":"2026-11-23T09:00:03Z",'
        '"cancellation_reference":null,"errors":[]},"livemode":false,'
        '"created_at":"2026-11-23T09:00:00.000250Z","updated_at":"2026-11-23T09:00:00.000250Z"}'
    ),
}


def test_the_output_of_this_version_is_pinned() -> None:
    made = datetime(2026, 11, 23, 9, 0, 0, 250, tzinfo=UTC)
    document = Document(
        id=uuid.UUID("01a23000-0000-7000-8000-000000000001"),
        type="invoice",
        number="INV-2026-0001",
        status="pending",
        locale="de-DE",
        pdf_status="ready",
        pdf_source="generated",
        pdf_sha256="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        pdf_size=1234,
        pdf_generated_at=datetime(2026, 11, 23, 9, 0, 1, tzinfo=UTC),
        clearance={
            "provider": "mydata",
            "environment": "sandbox",
            "status": "cleared",
            "reference": "400001234567890",
            "qr_url": "https://mydataapidev.aade.gr/TimologioQR/QRInfo?q=abc",
            "submitted_at": "2026-11-23T09:00:02Z",
            "cleared_at": "2026-11-23T09:00:03Z",
            "uid": "not shown",
        },
        customer_id=uuid.UUID("01a23000-0000-7000-8000-000000000002"),
        customer_name='Globex "GmbH"',
        customer_address="Hauptstraße 1\n10115 Berlin",
        currency="EUR",
        issue_date=date(2026, 11, 23),
        due_date=date(2026, 12, 23),
        vat_type="excluded",
        subtotal=Decimal("0.2800"),
        discount_amount=Decimal("0.0000"),
        tax_amount=Decimal("0.0500"),
        tax_breakdown=[
            {"rate": 19, "category": "S", "taxable": Decimal("0.28"), "tax": Decimal("0.05")}
        ],
        total=Decimal("0.3300"),
        amount_paid=Decimal("0.0000"),
        amount_credited=Decimal("0.0000"),
        external_payment_amount=Decimal("0.0000"),
        amount_due=Decimal("0.3300"),
        notes=None,
        buyer_reference="DEPT-42",
        purchase_order="PO-4711",
        source_type="api",
        related_document_id=None,
        finalized_at=made.replace(microsecond=0),
        sent_at=None,
        cancelled_at=None,
        livemode=False,
        created_at=made,
        updated_at=made,
        lines=[
            DocumentLine(
                id=uuid.UUID("01a23000-0000-7000-8000-000000000003"),
                position=0,
                item_id=None,
                description="Consulting",
                quantity=Decimal("2.5000"),
                unit_price=Decimal("0.1234"),
                unit="h",
                discount_amount=None,
                discount_percent=Decimal("10.0000"),
                vat_type="excluded",
                vat_rate_id="std",
                vat_rate=Decimal("19.0000"),
                vat_category="S",
                vat_exemption_reason=None,
                amount=Decimal("0.2800"),
            )
        ],
    )

    assert rendered_text(document) == OUTPUT_BY_VERSION[OUTPUT_VERSION]


async def test_documents_made_without_ids_in_one_flush_each_get_their_text(
    api: ApiClient, db: Database
) -> None:
    customer = await create_customer(api)
    zero = Decimal("0.0000")

    def made(number: str) -> Document:
        return Document(
            account_id=api.account_id,
            livemode=False,
            type="receipt",
            number=number,
            status="issued",
            customer_id=uuid.UUID(customer["id"]),
            customer_name="Globex Ltd",
            currency="EUR",
            issue_date=date(2026, 11, 23),
            vat_type="excluded",
            source_type="api",
            subtotal=zero,
            discount_amount=zero,
            tax_amount=zero,
            total=zero,
            amount_paid=zero,
            amount_credited=zero,
            external_payment_amount=zero,
            amount_due=zero,
        )

    async with db.transaction() as session:
        session.add_all([made("R-1"), made("R-2")])

    async with db.transaction(writes=False) as session:
        stored = (
            await session.execute(
                select(Document.number, Document.rendered).where(
                    Document.account_id == api.account_id
                )
            )
        ).all()
    assert sorted((number, loads(text)["number"]) for number, text in stored) == [
        ("R-1", "R-1"),
        ("R-2", "R-2"),
    ]
