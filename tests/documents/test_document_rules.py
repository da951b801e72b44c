"""Rules found wanting in review, each pinned by a test."""

import asyncio
from decimal import Decimal

from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.customers.factories import create_customer, events
from tests.documents.factories import create_document, exact, line

D = Decimal


async def test_only_imported_invoices_that_are_open_take_money_changes(api: ApiClient) -> None:
    invoice = await create_document(api, source_type="import", line_items=None, amount="100.00")
    credit = await create_document(
        api,
        "credit_notes",
        customer_id=invoice["customer_id"],
        source_type="import",
        related_document_id=invoice["id"],
        line_items=None,
        amount="30.00",
    )
    assert_error(
        await api.patch(f"/v1/credit_notes/{credit['id']}", json={"amount": "90.00"}),
        409,
        "invalid_state",
    )
    other = await create_document(api, source_type="import", line_items=None, amount="100.00")
    await api.post(f"/v1/invoices/{other['id']}/cancel")
    assert_error(
        await api.patch(f"/v1/invoices/{other['id']}", json={"amount": "500.00"}),
        409,
        "invalid_state",
    )
    after = exact(await api.get(f"/v1/invoices/{invoice['id']}"))
    assert (after["amount_credited"], after["amount_due"]) == (D("30.00"), D("70.00"))


async def test_money_must_fit_the_currency_minor_unit(api: ApiClient) -> None:
    customer = await create_customer(api)
    base = {"customer_id": customer["id"], "source_type": "import"}
    cases = [
        ({**base, "currency": "JPY", "amount": "1000.5"}, "amount"),
        ({**base, "currency": "JPY", "amount": "1000", "amount_due": "400.5"}, "amount_due"),
    ]
    for body, field in cases:
        error = assert_error(await api.post("/v1/invoices", json=body), 422, "validation_error")
        assert error["details"][0]["field"] == field
    eur = await create_document(
        api,
        customer_id=customer["id"],
        currency="EUR",
        source_type="import",
        line_items=None,
        amount="100.00",
    )
    error = assert_error(
        await api.patch(f"/v1/invoices/{eur['id']}", json={"amount_due": "10.555"}),
        422,
        "validation_error",
    )
    assert error["details"][0]["field"] == "amount_due"


async def test_amounts_too_large_to_store_are_422(api: ApiClient) -> None:
    customer = await create_customer(api)
    response = await api.post(
        "/v1/invoices",
        json={
            "customer_id": customer["id"],
            "line_items": [line(quantity="999999999999", unit_price="999999999999")],
        },
    )
    error = assert_error(response, 422, "validation_error")
    assert error["details"][0]["field"] == "line_items[0]"


async def test_same_caller_number_at_once_is_one_201_and_409s(api: ApiClient) -> None:
    customer = await create_customer(api)
    responses = await asyncio.gather(
        *(
            api.post(
                "/v1/invoices",
                json={"customer_id": customer["id"], "number": "MY-1", "line_items": [line()]},
            )
            for _ in range(8)
        )
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 7


async def test_caller_numbers_racing_the_sequence_stay_unique(api: ApiClient) -> None:
    customer = await create_customer(api)
    bodies = [
        {"customer_id": customer["id"], "issue_date": "2026-11-23", "line_items": [line()]}
        for _ in range(12)
    ]
    for index in (2, 5, 8):
        bodies[index]["number"] = f"INV-2026-{index + 1:04d}"
    responses = await asyncio.gather(*(api.post("/v1/invoices", json=b) for b in bodies))
    assert {r.status_code for r in responses} <= {201, 409}
    numbers = [r.json()["number"] for r in responses if r.status_code == 201]
    assert len(numbers) == len(set(numbers))
    assert sum(r.status_code == 201 for r in responses) >= 9


async def test_draft_changes_keep_items_and_rates_of_the_stored_lines(api: ApiClient) -> None:
    item = exact(await api.post("/v1/items", json={"name": "Hour", "unit_price": "80.00"}))
    draft = await create_document(
        api, status="draft", line_items=[{"item_id": item["id"], "quantity": "2"}]
    )
    changed = exact(
        await api.patch(f"/v1/invoices/{draft['id']}", json={"discount_amount": "1.00"})
    )
    assert changed["line_items"][0]["item_id"] == item["id"]
    assert changed["total"] == D("187.62")  # (160 − 1) × 1.18


async def test_conversion_repeats_the_accepted_quote_exactly(api: ApiClient) -> None:
    item = exact(await api.post("/v1/items", json={"name": "Site", "unit_price": "1000.00"}))
    quote = await create_document(api, "quotes", line_items=[{"item_id": item["id"]}])
    await api.post(f"/v1/quotes/{quote['id']}/accept")
    rates = (await api.get("/v1/account")).json()["vat_rates"]
    rates[0]["rate"] = 25
    assert (await api.patch("/v1/account", json={"vat_rates": rates})).status_code == 200

    invoice = exact(await api.post(f"/v1/quotes/{quote['id']}/convert"))

    assert invoice["total"] == quote["total"] == D("1180.00")
    assert invoice["line_items"][0]["item_id"] == item["id"]
    created = [e for e in await events(api, "invoice.created") if e["object_id"] == invoice["id"]]
    assert created[0]["data"]["object"]["related_document_id"] == quote["id"]


async def test_rates_of_exempt_categories_need_a_reason_and_rates_cannot_contradict(
    api: ApiClient,
) -> None:
    rates = (await api.get("/v1/account")).json()["vat_rates"]
    exempt = next(r for r in rates if r["category"] == "E")
    standard = next(r for r in rates if r["category"] == "S")
    customer = await create_customer(api)
    for line_body, field in (
        (line(vat_rate_id=exempt["id"]), "line_items[0].vat_exemption_reason"),
        (line(vat_rate_id=standard["id"], vat_rate="5"), "line_items[0].vat_rate"),
    ):
        error = assert_error(
            await api.post(
                "/v1/invoices", json={"customer_id": customer["id"], "line_items": [line_body]}
            ),
            422,
            "validation_error",
        )
        assert error["details"][0]["field"] == field
    ok = await create_document(
        api,
        customer_id=customer["id"],
        line_items=[line(vat_rate_id=exempt["id"], vat_exemption_reason="Financial services")],
    )
    assert ok["tax_breakdown"][0]["category"] == "E"


async def test_invoices_born_overdue_or_paid_announce_it(api: ApiClient) -> None:
    late = await create_document(api, issue_date="2026-01-01", due_date="2026-01-31")
    settled = await create_document(
        api, source_type="import", line_items=None, amount="100.00", amount_due="0"
    )
    assert (late["status"], settled["status"]) == ("overdue", "paid")
    assert [e["object_id"] for e in await events(api, "invoice.overdue")] == [late["id"]]
    assert [e["object_id"] for e in await events(api, "invoice.paid")] == [settled["id"]]


async def test_a_draft_takes_the_date_and_year_of_the_day_it_is_issued(api: ApiClient) -> None:
    from datetime import UTC, datetime

    from faktura.core.clock import set_clock

    now = [datetime(2026, 12, 31, 10, 0, tzinfo=UTC)]
    set_clock(lambda: now[0])
    try:
        draft = await create_document(api, status="draft", issue_date=None)
        dated = await create_document(
            api, status="draft", issue_date="2026-12-30", customer_id=draft["customer_id"]
        )
        assert (draft["issue_date"], draft["due_date"]) == ("2026-12-31", "2027-01-30")
        now[0] = datetime(2027, 1, 5, 10, 0, tzinfo=UTC)
        issued = exact(await api.post(f"/v1/invoices/{draft['id']}/finalize"))
        kept = exact(await api.post(f"/v1/invoices/{dated['id']}/finalize"))
    finally:
        set_clock(None)

    assert (issued["issue_date"], issued["due_date"], issued["number"]) == (
        "2027-01-05",
        "2027-02-04",
        "INV-2027-0001",
    )
    assert (kept["issue_date"], kept["number"]) == ("2026-12-30", "INV-2026-0001")
