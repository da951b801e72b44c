"""Disputes and payment plans: holds on an invoice's status, with exact amounts."""

from decimal import Decimal

from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.customers.factories import events
from tests.documents.factories import create_document, exact, line
from tests.payments.factories import pay

D = Decimal


async def invoice_status(api: ApiClient, invoice_id: str) -> tuple[str, Decimal, Decimal]:
    body = exact(await api.get(f"/v1/invoices/{invoice_id}"))
    return body["status"], body["amount_credited"], body["amount_due"]


async def test_upheld_dispute_credits_the_disputed_amount(api: ApiClient) -> None:
    invoice = await create_document(api, line_items=[line(unit_price="100.00", vat_rate="17")])
    dispute = exact(
        await api.post(
            "/v1/disputes",
            json={
                "invoice_id": invoice["id"],
                "amount": "23.40",
                "reason": "One item arrived broken",
            },
        )
    )
    assert (dispute["status"], dispute["amount"]) == ("open", D("23.40"))
    assert (await invoice_status(api, invoice["id"]))[0] == "in_dispute"

    await pay(
        api, invoice_id=invoice["id"], amount="50.00"
    )  # payments count while the status holds
    assert await invoice_status(api, invoice["id"]) == ("in_dispute", D("0.00"), D("67.00"))

    resolved = exact(
        await api.post(f"/v1/disputes/{dispute['id']}/resolve", json={"outcome": "upheld"})
    )
    credit = exact(await api.get(f"/v1/credit_notes/{resolved['credit_note_id']}"))
    assert resolved["status"] == "upheld"
    assert (credit["total"], credit["tax_amount"], credit["related_document_id"]) == (
        D("23.40"),
        D("3.40"),
        invoice["id"],
    )
    assert await invoice_status(api, invoice["id"]) == ("partial", D("23.40"), D("43.60"))
    assert [e["type"] for e in await events(api, "dispute.*")] == [
        "dispute.created",
        "dispute.resolved",
    ]
    assert_error(
        await api.post(f"/v1/disputes/{dispute['id']}/resolve", json={"outcome": "rejected"}),
        409,
        "invalid_state",
    )


async def test_upheld_dispute_of_the_whole_due_leaves_the_invoice_paid(api: ApiClient) -> None:
    invoice = await create_document(api, line_items=[line(unit_price="100.00", vat_rate="17")])
    await pay(api, invoice_id=invoice["id"], amount="17.00")
    dispute = exact(
        await api.post(
            "/v1/disputes", json={"invoice_id": invoice["id"], "reason": "Service not delivered"}
        )
    )
    assert dispute["amount"] == D("100.00")
    await api.post(f"/v1/disputes/{dispute['id']}/resolve", json={"outcome": "upheld"})
    assert await invoice_status(api, invoice["id"]) == ("paid", D("100.00"), D("0.00"))


async def test_rejected_dispute_returns_the_invoice_to_its_money_status(api: ApiClient) -> None:
    invoice = await create_document(api, issue_date="2026-01-01", due_date="2026-01-31")
    dispute = exact(
        await api.post("/v1/disputes", json={"invoice_id": invoice["id"], "reason": "Price"})
    )
    resolved = exact(
        await api.post(f"/v1/disputes/{dispute['id']}/resolve", json={"outcome": "rejected"})
    )
    assert (resolved["status"], resolved["credit_note_id"]) == ("rejected", None)
    assert (await invoice_status(api, invoice["id"]))[0] == "overdue"


async def test_disputes_are_refused_on_invoices_that_cannot_be_disputed(api: ApiClient) -> None:
    draft = await create_document(api, status="draft")
    invoice = await create_document(api)
    cases = [
        ({"invoice_id": draft["id"], "reason": "x"}, 409),
        ({"invoice_id": invoice["id"], "reason": "x", "amount": "1000.00"}, 422),
        ({"invoice_id": "01890000-0000-7000-8000-000000000000", "reason": "x"}, 404),
        ({"invoice_id": invoice["id"]}, 422),
    ]
    for body, status in cases:
        assert (await api.post("/v1/disputes", json=body)).status_code == status, body
    assert (await invoice_status(api, invoice["id"]))[0] == "pending"
    await api.post("/v1/disputes", json={"invoice_id": invoice["id"], "reason": "x"})
    assert_error(
        await api.post("/v1/disputes", json={"invoice_id": invoice["id"], "reason": "again"}),
        409,
        "invalid_state",
    )


async def test_plan_of_three_installments_filled_by_two_payments(api: ApiClient) -> None:
    invoice = await create_document(api, tax_amount="0", line_items=[line(unit_price="300.00")])
    plan = exact(
        await api.post(
            "/v1/payment_plans",
            json={
                "invoice_id": invoice["id"],
                "installments": [
                    {"due_date": "2026-12-01", "amount": "100.00"},
                    {"due_date": "2027-01-01", "amount": "100.00"},
                    {"due_date": "2027-02-01", "amount": "100.00"},
                ],
            },
        )
    )
    assert (plan["status"], plan["amount"]) == ("active", D("300.00"))
    assert (await invoice_status(api, invoice["id"]))[0] == "in_payment_plan"

    await pay(api, invoice_id=invoice["id"], amount="150.00")
    middle = exact(await api.get(f"/v1/payment_plans/{plan['id']}"))
    assert [(i["amount_paid"], i["status"]) for i in middle["installments"]] == [
        (D("100.00"), "paid"),
        (D("50.00"), "partial"),
        (D("0.00"), "pending"),
    ]
    assert (await invoice_status(api, invoice["id"]))[0] == "in_payment_plan"

    await pay(api, invoice_id=invoice["id"], amount="150.00")
    done = exact(await api.get(f"/v1/payment_plans/{plan['id']}"))
    assert done["status"] == "completed"
    assert [i["status"] for i in done["installments"]] == ["paid", "paid", "paid"]
    assert (await invoice_status(api, invoice["id"]))[0] == "paid"
    assert [e["type"] for e in await events(api, "payment_plan.*")] == [
        "payment_plan.enrolled",
        "payment_plan.completed",
    ]


async def test_generated_installments_put_the_remainder_on_the_last(api: ApiClient) -> None:
    invoice = await create_document(api, tax_amount="0", line_items=[line(unit_price="100.00")])
    plan = exact(
        await api.post(
            "/v1/payment_plans",
            json={
                "invoice_id": invoice["id"],
                "count": 3,
                "interval": "month",
                "first_due_date": "2027-01-31",
            },
        )
    )
    assert [(i["due_date"], i["amount"]) for i in plan["installments"]] == [
        ("2027-01-31", D("33.33")),
        ("2027-02-28", D("33.33")),
        ("2027-03-31", D("33.34")),
    ]


async def test_plan_must_add_up_and_can_be_cancelled(api: ApiClient) -> None:
    invoice = await create_document(
        api,
        tax_amount="0",
        line_items=[line(unit_price="100.00")],
        issue_date="2026-01-01",
        due_date="2026-01-31",
    )
    short = await api.post(
        "/v1/payment_plans",
        json={
            "invoice_id": invoice["id"],
            "installments": [{"due_date": "2026-12-01", "amount": "99.99"}],
        },
    )
    error = assert_error(short, 422, "validation_error")
    assert error["details"][0]["field"] == "installments"
    assert (await invoice_status(api, invoice["id"]))[0] == "overdue"

    plan = exact(
        await api.post(
            "/v1/payment_plans",
            json={
                "invoice_id": invoice["id"],
                "installments": [
                    {"due_date": "2026-02-01", "amount": "60.00"},
                    {"due_date": "2027-02-01", "amount": "40.00"},
                ],
            },
        )
    )
    assert plan["overdue_installments"] == 1
    cancelled = exact(await api.post(f"/v1/payment_plans/{plan['id']}/cancel"))
    assert cancelled["status"] == "cancelled"
    assert (await invoice_status(api, invoice["id"]))[0] == "overdue"
    assert_error(await api.post(f"/v1/payment_plans/{plan['id']}/cancel"), 409, "invalid_state")
