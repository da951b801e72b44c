"""Documents through the API: totals, numbering, editing rules and lifecycle."""

from decimal import Decimal

from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.customers.factories import create_customer, event_types, events
from tests.documents.factories import ISSUE_DATE, create_document, exact, line

D = Decimal


async def test_invoice_is_issued_numbered_and_totalled_with_the_standard_rate(
    api: ApiClient,
) -> None:
    customer = await create_customer(
        api,
        company_name="Globex Ltd",
        address={"street": "1 Herzl St", "city": "Haifa", "zip": "3100000", "country": "IL"},
    )
    invoice = await create_document(
        api,
        customer_id=customer["id"],
        line_items=[line("Design", "2", "150.00"), line("Hosting", "1", "49.90")],
    )

    assert invoice["type"] == "invoice"
    assert invoice["number"] == "INV-2026-0001"
    assert invoice["status"] == "pending"
    assert invoice["customer_name"] == "Globex Ltd"
    assert invoice["customer_address"] == "1 Herzl St, 3100000 Haifa, IL"
    assert invoice["currency"] == "ILS"
    assert invoice["due_date"] == "2026-12-23"
    assert [ln["amount"] for ln in invoice["line_items"]] == [D("300.00"), D("49.90")]
    assert [ln["vat_rate"] for ln in invoice["line_items"]] == [D("18"), D("18")]
    assert invoice["tax_breakdown"] == [
        {"rate": D("18"), "category": "S", "taxable": D("349.90"), "tax": D("62.98")}
    ]
    assert (invoice["subtotal"], invoice["tax_amount"], invoice["total"]) == (
        D("349.90"),
        D("62.98"),
        D("412.88"),
    )
    assert (invoice["amount_paid"], invoice["amount_credited"], invoice["amount_due"]) == (
        D("0.00"),
        D("0.00"),
        D("412.88"),
    )
    assert [e["type"] for e in await events(api, "invoice.*")] == [
        "invoice.created",
        "invoice.finalized",
    ]
    assert '"total":412.88,' in (await api.get(f"/v1/invoices/{invoice['id']}")).text


async def test_ils_invoice_at_17_percent_with_an_exempt_line(api: ApiClient) -> None:
    invoice = await create_document(
        api,
        line_items=[
            line("Design", "2", "100.00", vat_rate="17"),
            line("Support", "1", "55.55", vat_rate=17),
            line(
                "Export services",
                "1",
                "300",
                vat_type="exempt",
                vat_exemption_reason="Export of services, VAT Law §30(a)(5)",
            ),
        ],
    )

    assert invoice["tax_breakdown"] == [
        {"rate": D("17"), "category": "S", "taxable": D("255.55"), "tax": D("43.44")},
        {"rate": None, "category": "E", "taxable": D("300.00"), "tax": D("0")},
    ]
    assert invoice["total"] == D("598.99")
    assert invoice["line_items"][2]["vat_exemption_reason"].startswith("Export")


async def test_eur_invoice_with_vat_included_prices_at_two_rates(api: ApiClient) -> None:
    customer = await create_customer(api, currency="EUR")
    invoice = await create_document(
        api,
        customer_id=customer["id"],
        vat_type="included",
        line_items=[
            line("Book", "1", "119.00", vat_rate="19"),
            line("Food", "3", "10.70", vat_rate="7"),
        ],
    )
    assert invoice["currency"] == "EUR"
    assert [(r["rate"], r["taxable"], r["tax"]) for r in invoice["tax_breakdown"]] == [
        (D("19"), D("100.00"), D("19.00")),
        (D("7"), D("30.00"), D("2.10")),
    ]
    assert invoice["total"] == D("151.10")


async def test_jpy_and_bhd_round_to_their_minor_units(api: ApiClient) -> None:
    jpy = await create_document(
        api, currency="JPY", line_items=[line("Tea", "3", "1234.5", vat_rate="10")]
    )
    bhd = await create_document(
        api, currency="BHD", line_items=[line("Dates", "2", "1.2345", vat_rate="10")]
    )
    assert (jpy["tax_amount"], jpy["total"]) == (D("370"), D("4074"))
    assert (bhd["tax_amount"], bhd["total"]) == (D("0.247"), D("2.716"))


async def test_document_discount_lowers_the_vat_base(api: ApiClient) -> None:
    invoice = await create_document(
        api, discount_amount="10.00", line_items=[line(unit_price="100.00", vat_rate="17")]
    )
    assert (
        invoice["subtotal"],
        invoice["discount_amount"],
        invoice["tax_amount"],
        invoice["total"],
    ) == (D("100.00"), D("10.00"), D("15.30"), D("105.30"))


async def test_legacy_amount_alone_and_matching_lines_within_a_cent(api: ApiClient) -> None:
    alone = await create_document(api, line_items=None, amount="250.00", tax_amount="20.00")
    assert (alone["subtotal"], alone["tax_amount"], alone["total"]) == (
        D("230.00"),
        D("20.00"),
        D("250.00"),
    )
    matching = await create_document(
        api,
        amount="105.31",
        discount_amount="10.00",
        line_items=[line(unit_price="100.00", vat_rate="17")],
    )
    assert matching["total"] == D("105.30")


async def test_amount_that_does_not_match_the_lines_is_422_naming_both(api: ApiClient) -> None:
    customer = await create_customer(api)
    response = await api.post(
        "/v1/invoices",
        json={
            "customer_id": customer["id"],
            "amount": "105.32",
            "discount_amount": "10.00",
            "line_items": [line(unit_price="100.00", vat_rate="17")],
        },
    )
    error = assert_error(response, 422, "validation_error")
    assert [d["field"] for d in error["details"]] == ["amount", "line_items"]
    assert "invoice.created" not in await event_types(api)


async def test_a_failed_issue_consumes_no_number_and_records_nothing(api: ApiClient) -> None:
    customer = await create_customer(api)
    before = await event_types(api)
    for bad in (
        {"line_items": [line(vat_rate_id="vat_nope")]},
        {"line_items": [line(vat_type="exempt")]},
        {"line_items": [line(unit_price="0")]},
        {"line_items": [line(quantity="0")]},
        {"line_items": []},
    ):
        response = await api.post("/v1/invoices", json={"customer_id": customer["id"], **bad})
        assert response.status_code == 422, (bad, response.text)
    assert await event_types(api) == before

    invoice = await create_document(api, customer_id=customer["id"])
    assert invoice["number"] == "INV-2026-0001"


async def test_draft_has_no_number_changes_freely_then_finalizes(api: ApiClient) -> None:
    draft = await create_document(api, status="draft")
    assert (draft["status"], draft["number"]) == ("draft", None)

    changed = exact(
        await api.patch(
            f"/v1/invoices/{draft['id']}",
            json={"line_items": [line("Audit", "3", "200.00", vat_rate="17")], "notes": "Net 30"},
        )
    )
    assert (changed["total"], changed["notes"], changed["number"]) == (D("702.00"), "Net 30", None)

    issued = exact(await api.post(f"/v1/invoices/{draft['id']}/finalize"))
    assert (issued["status"], issued["number"]) == ("pending", "INV-2026-0001")
    assert issued["finalized_at"] is not None
    again = await api.post(f"/v1/invoices/{draft['id']}/finalize")
    assert_error(again, 409, "invalid_state")


async def test_issued_invoice_keeps_its_legal_content(api: ApiClient) -> None:
    invoice = await create_document(api)
    for change in (
        {"line_items": [line(unit_price="1.00")]},
        {"currency": "USD"},
        {"discount_amount": "1.00"},
        {"amount": "5.00"},
    ):
        error = assert_error(
            await api.patch(f"/v1/invoices/{invoice['id']}", json=change), 409, "invalid_state"
        )
        assert "credit note" in str(error["message"])

    response = await api.patch(
        f"/v1/invoices/{invoice['id']}",
        json={"notes": "Thank you", "due_date": "2027-01-31", "customer_address": "PO Box 1"},
    )
    updated = exact(response)
    assert (updated["notes"], updated["due_date"], updated["customer_address"]) == (
        "Thank you",
        "2027-01-31",
        "PO Box 1",
    )
    assert updated["total"] == invoice["total"]


async def test_only_drafts_are_deleted_issued_ones_are_cancelled(api: ApiClient) -> None:
    draft = await create_document(api, status="draft")
    issued = await create_document(api)

    assert (await api.delete(f"/v1/invoices/{draft['id']}")).status_code == 200
    assert_error(await api.get(f"/v1/invoices/{draft['id']}"), 404, "not_found")
    assert_error(await api.delete(f"/v1/invoices/{issued['id']}"), 409, "invalid_state")

    cancelled = exact(await api.post(f"/v1/invoices/{issued['id']}/cancel"))
    assert cancelled["status"] == "cancelled"
    assert cancelled["number"] == "INV-2026-0001"
    assert_error(await api.post(f"/v1/invoices/{issued['id']}/cancel"), 409, "invalid_state")


async def test_caller_numbers_are_unique_and_the_sequence_skips_them(api: ApiClient) -> None:
    mine = await create_document(api, invoice_number="INV-2026-0002")
    assert mine["number"] == "INV-2026-0002"
    duplicate = await api.post(
        "/v1/invoices",
        json={
            "customer_id": mine["customer_id"],
            "number": "INV-2026-0002",
            "line_items": [line()],
        },
    )
    assert_error(duplicate, 409, "conflict")

    first = await create_document(api, customer_id=mine["customer_id"])
    second = await create_document(api, customer_id=mine["customer_id"])
    assert [first["number"], second["number"]] == ["INV-2026-0001", "INV-2026-0003"]
    quote = await create_document(api, "quotes", customer_id=mine["customer_id"])
    assert quote["number"] == "QUO-2026-0001"


async def test_numbering_follows_the_account_rules(api: ApiClient) -> None:
    await api.patch(
        "/v1/account",
        json={
            "numbering": {
                "invoice": {"prefix": "AC", "padding": 6},
                "receipt": {"yearly_reset": False},
            }
        },
    )
    invoice = await create_document(api)
    receipt = await create_document(api, "receipts")
    assert invoice["number"] == "AC-2026-000001"
    assert receipt["number"] == "RCT-0001"
    assert receipt["status"] == "issued"


async def test_credit_note_reduces_its_invoice(api: ApiClient) -> None:
    invoice = await create_document(api, line_items=[line(unit_price="100.00", vat_rate="17")])
    credit = await create_document(
        api,
        "credit_notes",
        customer_id=invoice["customer_id"],
        related_document_id=invoice["id"],
        line_items=[line(unit_price="20.00", vat_rate="17")],
    )

    assert (credit["number"], credit["status"], credit["total"]) == (
        "CRN-2026-0001",
        "issued",
        D("23.40"),
    )
    after = exact(await api.get(f"/v1/invoices/{invoice['id']}"))
    assert (after["amount_credited"], after["amount_due"], after["status"]) == (
        D("23.40"),
        D("93.60"),
        "partial",
    )

    rest = await create_document(
        api,
        "credit_notes",
        customer_id=invoice["customer_id"],
        related_document_id=invoice["id"],
        line_items=[line(unit_price="80.00", vat_rate="17")],
    )
    paid = exact(await api.get(f"/v1/invoices/{invoice['id']}"))
    assert (rest["total"], paid["amount_due"], paid["status"]) == (D("93.60"), D("0.00"), "paid")
    assert "invoice.paid" in await event_types(api)


async def test_credit_note_cannot_exceed_what_is_due(api: ApiClient) -> None:
    invoice = await create_document(api, line_items=[line(unit_price="100.00", vat_rate="17")])
    too_much = await api.post(
        "/v1/credit_notes",
        json={
            "customer_id": invoice["customer_id"],
            "related_document_id": invoice["id"],
            "line_items": [line(unit_price="100.01", vat_rate="17")],
        },
    )
    assert_error(too_much, 422, "validation_error")
    missing = await api.post(
        "/v1/credit_notes", json={"customer_id": invoice["customer_id"], "line_items": [line()]}
    )
    assert_error(missing, 422, "validation_error")
    draft = await create_document(api, status="draft", customer_id=invoice["customer_id"])
    on_draft = await api.post(
        "/v1/credit_notes",
        json={
            "customer_id": invoice["customer_id"],
            "related_document_id": draft["id"],
            "line_items": [line()],
        },
    )
    assert_error(on_draft, 409, "invalid_state")
    unchanged = exact(await api.get(f"/v1/invoices/{invoice['id']}"))
    assert (unchanged["amount_credited"], unchanged["status"]) == (D("0.00"), "pending")
    numbers = [e["data"]["object"]["number"] for e in await events(api, "credit_note.finalized")]
    assert numbers == []


async def test_credited_invoice_cannot_be_cancelled(api: ApiClient) -> None:
    invoice = await create_document(api)
    await create_document(
        api,
        "credit_notes",
        customer_id=invoice["customer_id"],
        related_document_id=invoice["id"],
        line_items=[line("Fix", "1", "1")],
    )
    assert_error(await api.post(f"/v1/invoices/{invoice['id']}/cancel"), 409, "invalid_state")


async def test_quote_is_accepted_then_converted_into_a_linked_invoice(api: ApiClient) -> None:
    quote = await create_document(
        api, "quotes", line_items=[line("Website", "1", "5000.00", vat_rate="17")]
    )
    assert_error(await api.post(f"/v1/quotes/{quote['id']}/convert"), 409, "invalid_state")

    accepted = exact(await api.post(f"/v1/quotes/{quote['id']}/accept"))
    assert accepted["status"] == "accepted"
    converted = await api.post(f"/v1/quotes/{quote['id']}/convert")
    assert converted.status_code == 201
    invoice = exact(converted)

    assert (invoice["type"], invoice["number"], invoice["total"]) == (
        "invoice",
        "INV-2026-0001",
        D("5850.00"),
    )
    assert invoice["related_document_id"] == quote["id"]
    assert invoice["line_items"][0]["description"] == "Website"
    linked = exact(await api.get(f"/v1/quotes/{quote['id']}"))
    assert (linked["status"], linked["related_document_id"]) == ("converted", invoice["id"])
    types = await event_types(api)
    assert types.count("quote.accepted") == 1
    assert types.count("quote.converted") == 1
    assert_error(await api.post(f"/v1/quotes/{quote['id']}/decline"), 409, "invalid_state")


async def test_declined_quote(api: ApiClient) -> None:
    quote = await create_document(api, "quotes")
    declined = exact(await api.post(f"/v1/quotes/{quote['id']}/decline"))
    assert declined["status"] == "declined"
    assert_error(await api.post(f"/v1/quotes/{quote['id']}/accept"), 409, "invalid_state")


async def test_imported_invoice_money_follows_seed_rules(api: ApiClient) -> None:
    imported = await create_document(
        api, source_type="import", line_items=None, amount="1000.00", amount_due="400.00"
    )
    assert (imported["external_payment_amount"], imported["amount_due"], imported["status"]) == (
        D("600.00"),
        D("400.00"),
        "partial",
    )

    paid = exact(await api.patch(f"/v1/invoices/{imported['id']}", json={"amount_due": "0"}))
    assert (paid["status"], paid["external_payment_amount"]) == ("paid", D("1000.00"))
    for bad in ({"amount_due": "1000.01"}, {"external_payment_amount": "-1"}, {"amount": "0"}):
        assert (await api.patch(f"/v1/invoices/{imported['id']}", json=bad)).status_code == 422
    api_invoice = await create_document(api)
    assert_error(
        await api.patch(f"/v1/invoices/{api_invoice['id']}", json={"amount_due": "0"}),
        409,
        "invalid_state",
    )


async def test_catalog_items_fill_lines_and_are_then_archived_not_deleted(
    api: ApiClient,
) -> None:
    account = (await api.get("/v1/account")).json()
    item = exact(
        await api.post(
            "/v1/items",
            json={
                "name": "Support hour",
                "unit_price": "80.00",
                "unit": "hour",
                "vat_rate_id": account["vat_rates"][0]["id"],
            },
        )
    )
    invoice = await create_document(api, line_items=[{"item_id": item["id"], "quantity": "2.5"}])

    assert invoice["line_items"][0]["description"] == "Support hour"
    assert invoice["line_items"][0]["unit"] == "hour"
    assert invoice["line_items"][0]["amount"] == D("200.00")
    assert invoice["total"] == D("236.00")
    deleted = await api.delete(f"/v1/items/{item['id']}")
    assert deleted.status_code == 200
    assert (await api.get(f"/v1/items/{item['id']}")).json()["active"] is False


async def test_customer_with_issued_documents_cannot_be_deleted(api: ApiClient) -> None:
    invoice = await create_document(api)
    assert_error(await api.delete(f"/v1/customers/{invoice['customer_id']}"), 409, "invalid_state")
    only_draft = await create_document(api, status="draft")
    assert (await api.delete(f"/v1/customers/{only_draft['customer_id']}")).status_code in (
        200,
        204,
    )
    assert_error(await api.get(f"/v1/invoices/{only_draft['id']}"), 404, "not_found")


async def test_lists_filter_by_type_status_customer_dates_number_and_search(
    api: ApiClient,
) -> None:
    globex = await create_customer(api, company_name="Globex Ltd")
    initech = await create_customer(api, company_name="Initech Inc")
    a = await create_document(
        api, customer_id=globex["id"], issue_date="2026-10-01", due_date="2026-10-31"
    )
    b = await create_document(api, customer_id=initech["id"], status="draft")
    c = await create_document(api, "quotes", customer_id=initech["id"])

    async def ids(query: str, path: str = "invoices") -> list[str]:
        response = await api.get(f"/v1/{path}?{query}")
        assert response.status_code == 200, response.text
        return [d["id"] for d in response.json()["data"]]

    assert await ids("") == [b["id"], a["id"]]
    assert await ids("status=draft") == [b["id"]]
    assert await ids("status=draft,overdue") == [b["id"], a["id"]]
    assert await ids(f"customer_id={globex['id']}") == [a["id"]]
    assert await ids("from=2026-11-01") == [b["id"]]
    assert await ids("to=2026-10-15&due_from=2026-10-31&due_to=2026-10-31") == [a["id"]]
    assert await ids(f"number={a['number']}") == [a["id"]]
    assert await ids("search=initech") == [b["id"]]
    assert await ids("", "documents") == [c["id"], b["id"], a["id"]]
    assert await ids("type=quote", "documents") == [c["id"]]
    assert_error(await api.get("/v1/invoices?status=accepted"), 422, "validation_error")
    assert_error(await api.get("/v1/documents?type=bill"), 422, "validation_error")
    assert a["status"] == "overdue"  # its due date had passed when it was issued


async def test_other_accounts_and_modes_see_nothing(api: ApiClient) -> None:
    from tests.accounts.factories import add_key, create_account_with_key

    invoice = await create_document(api)
    other = await create_account_with_key(api.http._transport.app.state.runtime.db, api.http)  # type: ignore[attr-defined]
    live = api.with_key(
        await add_key(
            api.http._transport.app.state.runtime.db,  # type: ignore[attr-defined]
            api.account_id,
            livemode=True,
        )
    )
    for client in (other, live):
        assert_error(await client.get(f"/v1/invoices/{invoice['id']}"), 404, "not_found")
        assert_error(await client.post(f"/v1/invoices/{invoice['id']}/cancel"), 404, "not_found")
        response = await client.post(
            "/v1/invoices", json={"customer_id": invoice["customer_id"], "line_items": [line()]}
        )
        assert_error(response, 404, "not_found")
        credit = await client.post(
            "/v1/credit_notes",
            json={
                "customer_id": invoice["customer_id"],
                "related_document_id": invoice["id"],
                "line_items": [line()],
            },
        )
        assert_error(credit, 404, "not_found")
        assert (await client.get("/v1/documents")).json()["total"] == 0
    assert_error(await api.get(f"/v1/quotes/{invoice['id']}"), 404, "not_found")


async def test_scopes_guard_documents(api: ApiClient) -> None:
    from tests.accounts.factories import add_key

    db = api.http._transport.app.state.runtime.db  # type: ignore[attr-defined]
    reader = api.with_key(await add_key(db, api.account_id, scopes=["documents:read"]))
    invoice = await create_document(api)
    assert (await reader.get(f"/v1/invoices/{invoice['id']}")).status_code == 200
    assert_error(
        await reader.post(f"/v1/invoices/{invoice['id']}/cancel"), 403, "insufficient_scope"
    )


async def test_wrong_types_and_missing_fields_are_422(api: ApiClient) -> None:
    customer = await create_customer(api)
    cases = [
        ({}, "customer_id"),
        (
            {"customer_id": customer["id"], "line_items": [line(quantity="abc")]},
            "line_items[0].quantity",
        ),
        (
            {"customer_id": customer["id"], "line_items": [line(unit_price="1.000000001")]},
            "line_items[0].unit_price",
        ),
        (
            {
                "customer_id": customer["id"],
                "line_items": [line(discount={"amount": 1, "percent": 2})],
            },
            "line_items[0].discount",
        ),
        ({"customer_id": customer["id"], "currency": "XYZ", "line_items": [line()]}, "currency"),
        (
            {
                "customer_id": customer["id"],
                "issue_date": ISSUE_DATE,
                "due_date": "2026-01-01",
                "line_items": [line()],
            },
            "due_date",
        ),
        ({"customer_id": customer["id"], "status": "accepted", "line_items": [line()]}, "status"),
        ({"customer_id": customer["id"], "line_items": [line(bogus=1)]}, "line_items[0].bogus"),
    ]
    for body, field in cases:
        error = assert_error(await api.post("/v1/invoices", json=body), 422, "validation_error")
        assert error["details"][0]["field"] == field, (body, error)
