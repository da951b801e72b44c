"""What a create body may say beyond lines: the status to land in, what is already paid
elsewhere, a credit note's defaults from its invoice (seed 003's create bodies among them)."""

from decimal import Decimal

from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.customers.factories import events
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


async def test_status_draft_makes_a_draft_and_the_others_follow_the_money(
    api: ApiClient,
) -> None:
    draft = await create_document(api, status="draft")
    asked_paid = await create_document(api, status="paid")
    paid_outside = await create_document(api, status="pending", amount_due="0")

    assert (draft["status"], draft["number"]) == ("draft", None)
    # `paid` with everything still due is pending: the money decides (seed 003).
    assert (asked_paid["status"], asked_paid["number"]) == ("pending", "INV-2026-0001")
    assert (paid_outside["status"], paid_outside["external_payment_amount"]) == (
        "paid",
        Decimal("118.00"),
    )


async def test_status_cancelled_issues_and_cancels(api: ApiClient) -> None:
    void = await create_document(api, status="cancelled", source_type="import")

    assert (void["status"], void["number"]) == ("cancelled", "INV-2026-0001")
    assert void["cancelled_at"] is not None
    types = [e["type"] for e in await events(api) if e["type"].startswith("invoice.")]
    assert types == ["invoice.created", "invoice.finalized", "invoice.cancelled"]


async def test_a_status_the_type_cannot_have_is_refused(api: ApiClient) -> None:
    invoice = await create_document(api)
    cases = [
        ("invoices", {"status": "accepted"}, "not a status an invoice can have"),
        ("quotes", {"status": "paid"}, "not a status a quote can have"),
        (
            "credit_notes",
            {"status": "cancelled", "related_document_id": invoice["id"]},
            "not a status a credit note can have",
        ),
        ("invoices", {"status": "unknown"}, None),
    ]
    for path, extra, message in cases:
        body = {"customer_id": invoice["customer_id"], "line_items": [line()], **extra}
        error = assert_error(await api.post(f"/v1/{path}", json=body), 422, "validation_error")
        assert [d["field"] for d in error["details"]] == ["status"], error
        if message is not None:
            assert error["details"][0]["message"] == message
    assert exact(await api.get("/v1/documents"))["total"] == 1


async def test_amount_due_on_any_invoice_records_what_was_paid_elsewhere(
    api: ApiClient,
) -> None:
    invoice = await create_document(api, amount_due="18.00")

    assert (
        invoice["total"],
        invoice["external_payment_amount"],
        invoice["amount_due"],
        invoice["status"],
    ) == (Decimal("118.00"), Decimal("100.00"), Decimal("18.00"), "partial")
    for extra, field in (
        ({"amount_due": "118.01"}, "amount_due"),
        ({"amount_due": "-1"}, "amount_due"),
    ):
        body = {"customer_id": invoice["customer_id"], "line_items": [line()], **extra}
        error = assert_error(await api.post("/v1/invoices", json=body), 422, "validation_error")
        assert [d["field"] for d in error["details"]] == [field]
    quote = await api.post(
        "/v1/quotes",
        json={"customer_id": invoice["customer_id"], "line_items": [line()], "amount_due": "1"},
    )
    assert assert_error(quote, 422, "validation_error")["details"] == [
        {"field": "amount_due", "message": "only invoices take amount_due"}
    ]


async def test_tax_rate_is_shown_as_given_and_never_counts(api: ApiClient) -> None:
    invoice = await create_document(api, tax_amount="8.75", tax_rate="0.0875")

    assert (invoice["tax_rate"], invoice["tax_amount"], invoice["total"]) == (
        Decimal("0.0875"),
        Decimal("8.75"),
        Decimal("108.75"),
    )
    changed = exact(await api.patch(f"/v1/invoices/{invoice['id']}", json={"tax_rate": "0.08875"}))
    assert (changed["tax_rate"], changed["total"]) == (Decimal("0.08875"), Decimal("108.75"))
    for bad in ("1.5", "-0.1", "0.0000001"):
        response = await api.patch(f"/v1/invoices/{invoice['id']}", json={"tax_rate": bad})
        error = assert_error(response, 422, "validation_error")
        assert [d["field"] for d in error["details"]] == ["tax_rate"]


async def test_a_stated_line_amount_is_checked_within_one_minor_unit(api: ApiClient) -> None:
    ok = await create_document(
        api, line_items=[line(quantity="3", unit_price="33.333", line_amount="100.00")]
    )
    assert ok["line_items"][0]["amount"] == Decimal("100.00")  # 99.999, rounded

    response = await api.post(
        "/v1/invoices",
        json={
            "customer_id": ok["customer_id"],
            "line_items": [line(), line(quantity="2", unit_price="10", line_amount="20.02")],
        },
    )

    error = assert_error(response, 422, "validation_error")
    assert error["details"] == [
        {
            "field": "line_items[1].line_amount",
            "message": "20.02 ILS does not match quantity × unit_price (20.00 ILS)",
        }
    ]


async def _account_options(api: ApiClient) -> tuple[list[str], list[str]]:
    response = await api.patch(
        "/v1/account",
        json={
            "billers": [{"name": "Main office"}, {"name": "Branch"}],
            "payment_methods": [{"name": "Bank transfer", "details": "IBAN IL62 0108"}],
        },
    )
    assert response.status_code == 200, response.text
    account = response.json()
    return [b["id"] for b in account["billers"]], [p["id"] for p in account["payment_methods"]]


async def test_documents_name_the_biller_and_payment_method_they_use(api: ApiClient) -> None:
    without = await create_document(api)
    billers, methods = await _account_options(api)

    defaulted = await create_document(api)
    chosen = await create_document(api, billerId=billers[1], paymentmethodId=methods[0])

    assert (without["biller_id"], without["payment_method_id"]) == (None, None)
    assert (defaulted["biller_id"], defaulted["payment_method_id"]) == (billers[0], methods[0])
    assert chosen["biller_id"] == billers[1]
    draft = await create_document(api, status="draft")
    changed = exact(
        await api.patch(
            f"/v1/invoices/{draft['id']}", json={"biller_id": billers[1], "payment_method_id": None}
        )
    )
    assert (changed["biller_id"], changed["payment_method_id"]) == (billers[1], None)


async def test_a_biller_or_method_the_account_does_not_have_is_refused(api: ApiClient) -> None:
    billers, _methods = await _account_options(api)
    issued = await create_document(api)
    cases = [
        ({"biller_id": "biller_nope"}, "biller_id", "not one of the account's billers"),
        (
            {"payment_method_id": "pm_nope"},
            "payment_method_id",
            "not one of the account's payment_methods",
        ),
    ]
    for extra, field, message in cases:
        body = {"customer_id": issued["customer_id"], "line_items": [line()], **extra}
        error = assert_error(await api.post("/v1/invoices", json=body), 422, "validation_error")
        assert error["details"] == [{"field": field, "message": message}]
    on_issued = await api.patch(f"/v1/invoices/{issued['id']}", json={"biller_id": billers[1]})
    assert assert_error(on_issued, 409, "invalid_state")["message"] == (
        "An issued invoice keeps its biller_id: issue a credit note to correct it"
    )
    assert exact(await api.get(f"/v1/invoices/{issued['id']}"))["biller_id"] == billers[0]
