"""Payments: allocation, reconciliation, refunds and receipts, with exact amounts."""

import asyncio
from decimal import Decimal

from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.customers.factories import create_customer, events
from tests.documents.factories import exact
from tests.payments.factories import invoice_of, pay, status_of

D = Decimal


async def test_partial_then_full_payment(api: ApiClient) -> None:
    invoice = await invoice_of(api, "1000.00")

    first = await pay(api, amount="400.00", invoice_id=invoice["id"], payment_method="wire")
    assert await status_of(api, invoice) == ("partial", D("400.00"), D("600.00"))
    second = await pay(api, amount="600.00", invoice_id=invoice["id"])

    assert await status_of(api, invoice) == ("paid", D("1000.00"), D("0.00"))
    assert first["allocations"] == [{"invoice_id": invoice["id"], "amount": D("400.00")}]
    assert (second["unapplied_amount"], second["matched"], second["status"]) == (
        D("0.00"),
        True,
        "succeeded",
    )
    assert first["customer_id"] == invoice["customer_id"]
    paid_events = await events(api, "invoice.paid")
    assert [e["object_id"] for e in paid_events] == [invoice["id"]]


async def test_one_payment_across_three_invoices(api: ApiClient) -> None:
    customer = await create_customer(api)
    invoices = [
        await invoice_of(api, amount, customer["id"]) for amount in ("100.00", "250.50", "49.50")
    ]
    payment = await pay(
        api,
        amount="400.00",
        allocations=[
            {"invoice_id": invoices[0]["id"], "amount": "100.00"},
            {"invoice_id": invoices[1]["id"], "amount": "250.50"},
            {"invoice_id": invoices[2]["id"], "amount": "40.00"},
        ],
    )

    assert payment["unapplied_amount"] == D("9.50")
    assert [await status_of(api, i) for i in invoices] == [
        ("paid", D("100.00"), D("0.00")),
        ("paid", D("250.50"), D("0.00")),
        ("partial", D("40.00"), D("9.50")),
    ]


async def test_overpayment_stays_as_credit_and_is_applied_later(api: ApiClient) -> None:
    customer = await create_customer(api)
    first = await invoice_of(api, "80.00", customer["id"])
    payment = await pay(api, amount="100.00", invoice_id=first["id"])
    assert payment["unapplied_amount"] == D("20.00")

    second = await invoice_of(api, "50.00", customer["id"])
    applied = exact(
        await api.patch(
            f"/v1/payments/{payment['id']}",
            json={"allocations": [{"invoice_id": second["id"], "amount": "20.00"}]},
        )
    )

    assert applied["unapplied_amount"] == D("0.00")
    assert await status_of(api, second) == ("partial", D("20.00"), D("30.00"))
    too_much = await api.patch(
        f"/v1/payments/{payment['id']}",
        json={"allocations": [{"invoice_id": second["id"], "amount": "0.01"}]},
    )
    assert_error(too_much, 422, "validation_error")


async def test_unmatched_record_is_matched_and_unmatched_exactly(api: ApiClient) -> None:
    invoice = await invoice_of(api, "300.00")
    record = await pay(
        api, amount="120.00", currency="ILS", payer_name="Globex", payer_reference="TRX-99"
    )
    assert (record["matched"], record["allocations"], record["unapplied_amount"]) == (
        False,
        [],
        D("120.00"),
    )
    unmatched = (await api.get("/v1/payments?matched=false")).json()["data"]
    assert [p["id"] for p in unmatched] == [record["id"]]
    before = exact(await api.get(f"/v1/invoices/{invoice['id']}"))

    matched = exact(
        await api.patch(
            f"/v1/payments/{record['id']}", json={"invoice_id": invoice["id"], "reviewed": True}
        )
    )
    assert (matched["matched"], matched["reviewed"], matched["unapplied_amount"]) == (
        True,
        True,
        D("0.00"),
    )
    assert await status_of(api, invoice) == ("partial", D("120.00"), D("180.00"))
    assert (await api.get("/v1/payments?matched=false")).json()["total"] == 0

    restored = exact(await api.patch(f"/v1/payments/{record['id']}", json={"invoice_id": None}))
    after = exact(await api.get(f"/v1/invoices/{invoice['id']}"))
    assert (restored["matched"], restored["unapplied_amount"]) == (False, D("120.00"))
    assert {k: after[k] for k in ("status", "amount_paid", "amount_due", "total")} == {
        k: before[k] for k in ("status", "amount_paid", "amount_due", "total")
    }
    types = [e["type"] for e in await events(api) if e["object_id"] == record["id"]]
    assert types == [
        "payment.created",
        "reconciliation.record_created",
        "payment.matched",
        "reconciliation.record_updated",
        "reconciliation.record_updated",
    ]


async def test_refund_of_a_paid_invoice_makes_it_partial_again(api: ApiClient) -> None:
    invoice = await invoice_of(api, "200.00")
    payment = await pay(api, amount="200.00", invoice_id=invoice["id"])

    refunded = exact(
        await api.post(
            f"/v1/payments/{payment['id']}/refund",
            json={"amount": "50.00", "reason": "Damaged goods"},
            headers={"Idempotency-Key": "refund-1"},
        )
    )
    replay = await api.post(
        f"/v1/payments/{payment['id']}/refund",
        json={"amount": "50.00", "reason": "Damaged goods"},
        headers={"Idempotency-Key": "refund-1"},
    )

    assert (refunded["status"], refunded["amount_refunded"]) == ("partially_refunded", D("50.00"))
    assert refunded["refunds"][0]["reversed_allocations"] == [
        {"invoice_id": invoice["id"], "amount": D("50.00")}
    ]
    assert replay.headers["idempotent-replayed"] == "true"
    assert await status_of(api, invoice) == ("partial", D("150.00"), D("50.00"))

    rest = exact(await api.post(f"/v1/payments/{payment['id']}/refund", json={}))
    assert (rest["status"], rest["amount_refunded"]) == ("refunded", D("200.00"))
    assert await status_of(api, invoice) == ("pending", D("0.00"), D("200.00"))
    assert_error(
        await api.post(f"/v1/payments/{payment['id']}/refund", json={}), 409, "invalid_state"
    )


async def test_over_refund_is_422_and_changes_nothing(api: ApiClient) -> None:
    invoice = await invoice_of(api, "200.00")
    payment = await pay(api, amount="200.00", invoice_id=invoice["id"])
    response = await api.post(f"/v1/payments/{payment['id']}/refund", json={"amount": "200.01"})
    error = assert_error(response, 422, "validation_error")
    assert error["details"][0]["field"] == "amount"
    assert await status_of(api, invoice) == ("paid", D("200.00"), D("0.00"))
    assert await events(api, "payment.refunded") == []


async def test_refund_takes_unapplied_credit_first(api: ApiClient) -> None:
    invoice = await invoice_of(api, "80.00")
    payment = await pay(api, amount="100.00", invoice_id=invoice["id"])
    refunded = exact(
        await api.post(f"/v1/payments/{payment['id']}/refund", json={"amount": "30.00"})
    )
    assert (refunded["unapplied_amount"], refunded["amount_refunded"]) == (D("0.00"), D("30.00"))
    assert refunded["refunds"][0]["reversed_allocations"] == [
        {"invoice_id": invoice["id"], "amount": D("10.00")}
    ]
    assert await status_of(api, invoice) == ("partial", D("70.00"), D("10.00"))


async def test_allocation_over_due_is_422_with_nothing_changed(api: ApiClient) -> None:
    customer = await create_customer(api)
    small = await invoice_of(api, "50.00", customer["id"])
    other = await invoice_of(api, "50.00", customer["id"])
    response = await api.post(
        "/v1/payments",
        json={
            "amount": "100.00",
            "payment_date": "2026-11-23",
            "allocations": [
                {"invoice_id": other["id"], "amount": "40.00"},
                {"invoice_id": small["id"], "amount": "50.01"},
            ],
        },
    )
    error = assert_error(response, 422, "validation_error")
    assert error["details"][0]["field"] == "allocations[1].amount"
    assert await status_of(api, other) == ("pending", D("0.00"), D("50.00"))
    assert (await api.get("/v1/payments")).json()["total"] == 0
    assert await events(api, "payment.created") == []


async def test_currency_mismatch_and_unpayable_invoices(api: ApiClient) -> None:
    invoice = await invoice_of(api, "50.00")
    mismatch = await api.post(
        "/v1/payments",
        json={
            "amount": "10.00",
            "currency": "EUR",
            "payment_date": "2026-11-23",
            "invoice_id": invoice["id"],
        },
    )
    assert_error(mismatch, 422, "validation_error")
    draft = await invoice_of(api, "50.00", status="draft")
    assert_error(
        await api.post(
            "/v1/payments",
            json={"amount": "10.00", "payment_date": "2026-11-23", "invoice_id": draft["id"]},
        ),
        409,
        "invalid_state",
    )
    cancelled = await invoice_of(api, "50.00")
    await api.post(f"/v1/invoices/{cancelled['id']}/cancel")
    assert_error(
        await api.post(
            "/v1/payments",
            json={"amount": "10.00", "payment_date": "2026-11-23", "invoice_id": cancelled["id"]},
        ),
        409,
        "invalid_state",
    )
    assert (await api.get("/v1/payments")).json()["total"] == 0


async def test_ils_accounts_issue_a_receipt_for_each_payment(api: ApiClient) -> None:
    invoice = await invoice_of(api, "500.00")
    payment = await pay(api, amount="600.00", invoice_id=invoice["id"])

    receipt = exact(await api.get(f"/v1/receipts/{payment['receipt_id']}"))
    assert (receipt["number"], receipt["status"], receipt["total"]) == (
        "RCT-2026-0001",
        "issued",
        D("600.00"),
    )
    assert [(ln["description"], ln["amount"]) for ln in receipt["line_items"]] == [
        (f"Payment of invoice {invoice['number']}", D("500.00")),
        ("Credit on account", D("100.00")),
    ]
    await api.patch("/v1/account", json={"issue_receipts": False})
    second = await pay(api, amount="1.00", customer_id=invoice["customer_id"])
    assert second["receipt_id"] is None


async def test_payment_validation_and_isolation(api: ApiClient) -> None:
    from tests.accounts.factories import create_account_with_key

    db = api.http._transport.app.state.runtime.db  # type: ignore[attr-defined]
    other = await create_account_with_key(db, api.http)
    invoice = await invoice_of(api, "50.00")
    payment = await pay(api, amount="10.00", invoice_id=invoice["id"], external_payment_id="bank-1")
    for body, field in (
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"amount": "x"}, "amount"),
        ({"amount": "1", "payment_method": "barter"}, "payment_method"),
    ):
        error = assert_error(
            await api.post("/v1/payments", json={"payment_date": "2026-11-23", **body}),
            422,
            "validation_error",
        )
        assert error["details"][0]["field"] == field
    assert_error(
        await api.post(
            "/v1/payments",
            json={"amount": "1", "payment_date": "2026-11-23", "external_payment_id": "bank-1"},
        ),
        409,
        "conflict",
    )
    assert_error(await other.get(f"/v1/payments/{payment['id']}"), 404, "not_found")
    assert_error(
        await other.post(
            "/v1/payments",
            json={"amount": "1", "payment_date": "2026-11-23", "invoice_id": invoice["id"]},
        ),
        404,
        "not_found",
    )
    assert_error(
        await other.post(f"/v1/payments/{payment['id']}/refund", json={}), 404, "not_found"
    )


async def test_concurrent_payments_never_exceed_what_is_due(api: ApiClient) -> None:
    invoice = await invoice_of(api, "100.00")
    responses = await asyncio.gather(
        *(
            api.post(
                "/v1/payments",
                json={
                    "amount": "60.00",
                    "payment_date": "2026-11-23",
                    "allocations": [{"invoice_id": invoice["id"], "amount": "60.00"}],
                },
            )
            for _ in range(4)
        )
    )

    assert sorted(r.status_code for r in responses) == [201, 422, 422, 422]
    assert await status_of(api, invoice) == ("partial", D("60.00"), D("40.00"))


async def test_the_events_of_a_payment_carry_the_invoice_as_it_is_shown(api: ApiClient) -> None:
    """The status moves in SQL (guarded), the money with the ORM: the invoice the events carry
    is the one a retrieval shows afterwards, updated_at included."""
    invoice = await invoice_of(api, "200.00")

    await pay(api, amount="50.00", invoice_id=invoice["id"])  # pending → partial
    partial = exact(await api.get(f"/v1/invoices/{invoice['id']}"))
    await pay(api, amount="150.00", invoice_id=invoice["id"])  # partial → paid
    paid = exact(await api.get(f"/v1/invoices/{invoice['id']}"))

    updated = [e["data"]["object"] for e in await events(api, "invoice.updated")]
    announced = [e["data"]["object"] for e in await events(api, "invoice.paid")]
    assert (partial["status"], paid["status"]) == ("partial", "paid")
    assert updated == [partial, paid]
    assert announced == [paid]
