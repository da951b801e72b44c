"""Payments under concurrency and the corrections of the reconciliation flow."""

import asyncio
from decimal import Decimal

from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.customers.factories import create_customer
from tests.documents.factories import create_document, exact, line
from tests.payments.factories import invoice_of, pay, status_of

D = Decimal


async def test_opposite_allocation_orders_do_not_deadlock(api: ApiClient) -> None:
    customer = await create_customer(api)
    a = await invoice_of(api, "1000.00", customer["id"])
    b = await invoice_of(api, "1000.00", customer["id"])
    bodies = []
    for index in range(8):
        first, second = (a, b) if index % 2 else (b, a)
        bodies.append(
            {
                "amount": "20.00",
                "payment_date": "2026-11-23",
                "allocations": [
                    {"invoice_id": first["id"], "amount": "10.00"},
                    {"invoice_id": second["id"], "amount": "10.00"},
                ],
            }
        )
    responses = await asyncio.gather(*(api.post("/v1/payments", json=b) for b in bodies))
    assert [r.status_code for r in responses] == [201] * 8
    assert await status_of(api, a) == ("partial", D("80.00"), D("920.00"))


async def test_same_external_payment_id_at_once_is_one_201_and_409s(api: ApiClient) -> None:
    responses = await asyncio.gather(
        *(
            api.post(
                "/v1/payments",
                json={
                    "amount": "5.00",
                    "payment_date": "2026-11-23",
                    "external_payment_id": "dup-1",
                },
            )
            for _ in range(6)
        )
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5


async def test_concurrent_invoice_id_payments_take_what_the_first_left(api: ApiClient) -> None:
    invoice = await invoice_of(api, "100.00")
    responses = await asyncio.gather(
        *(
            api.post(
                "/v1/payments",
                json={"amount": "60.00", "payment_date": "2026-11-23", "invoice_id": invoice["id"]},
            )
            for _ in range(2)
        )
    )
    assert [r.status_code for r in responses] == [201, 201]
    unapplied = sorted(exact(r)["unapplied_amount"] for r in responses)
    assert unapplied == [D("0.00"), D("20.00")]
    assert await status_of(api, invoice) == ("paid", D("100.00"), D("0.00"))


async def test_unmatch_then_rematch_to_the_right_customers_invoice(api: ApiClient) -> None:
    wrong = await invoice_of(api, "50.00")
    right = await invoice_of(api, "50.00")
    await api.patch("/v1/account", json={"issue_receipts": False})
    record = await pay(api, amount="50.00", currency="ILS")
    await api.patch(f"/v1/payments/{record['id']}", json={"invoice_id": wrong["id"]})
    await api.patch(f"/v1/payments/{record['id']}", json={"invoice_id": None})

    rematched = await api.patch(f"/v1/payments/{record['id']}", json={"invoice_id": right["id"]})

    assert rematched.status_code == 200, rematched.text
    assert exact(rematched)["customer_id"] == right["customer_id"]
    assert await status_of(api, right) == ("paid", D("50.00"), D("0.00"))
    assert await status_of(api, wrong) == ("pending", D("0.00"), D("50.00"))


async def test_payment_matched_later_gets_its_receipt(api: ApiClient) -> None:
    invoice = await invoice_of(api, "70.00")
    record = await pay(api, amount="70.00", currency="ILS")
    assert record["receipt_id"] is None
    matched = exact(
        await api.patch(f"/v1/payments/{record['id']}", json={"invoice_id": invoice["id"]})
    )
    receipt = exact(await api.get(f"/v1/receipts/{matched['receipt_id']}"))
    assert receipt["total"] == D("70.00")


async def test_refund_of_one_invoice_defaults_to_what_it_received(api: ApiClient) -> None:
    customer = await create_customer(api)
    a = await invoice_of(api, "40.00", customer["id"])
    b = await invoice_of(api, "60.00", customer["id"])
    payment = await pay(
        api,
        amount="100.00",
        allocations=[
            {"invoice_id": a["id"], "amount": "40.00"},
            {"invoice_id": b["id"], "amount": "60.00"},
        ],
    )
    refunded = exact(
        await api.post(f"/v1/payments/{payment['id']}/refund", json={"invoice_id": a["id"]})
    )
    assert refunded["amount_refunded"] == D("40.00")
    assert await status_of(api, a) == ("pending", D("0.00"), D("40.00"))
    assert await status_of(api, b) == ("paid", D("60.00"), D("0.00"))


async def test_fully_refunded_payment_does_not_need_matching(api: ApiClient) -> None:
    record = await pay(api, amount="10.00", currency="ILS")
    await api.post(f"/v1/payments/{record['id']}/refund", json={})
    assert (await api.get("/v1/payments?matched=false")).json()["total"] == 0


async def test_dates_out_of_range_are_422(api: ApiClient) -> None:
    assert_error(await api.get("/v1/reports/aging?as_of=0001-01-01"), 422, "validation_error")
    invoice = await create_document(api, tax_amount="0", line_items=[line(unit_price="10.00")])
    for interval, first in (("month", "9999-11-01"), ("week", "9999-12-20")):
        response = await api.post(
            "/v1/payment_plans",
            json={
                "invoice_id": invoice["id"],
                "count": 3,
                "interval": interval,
                "first_due_date": first,
            },
        )
        error = assert_error(response, 422, "validation_error")
        assert error["details"][0]["field"] == "first_due_date"
    assert (await api.get(f"/v1/invoices/{invoice['id']}")).json()["status"] == "pending"
