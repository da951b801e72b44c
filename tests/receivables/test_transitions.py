"""Disputes and plans move once: a second resolution or cancellation is refused, recording
nothing."""

from decimal import Decimal

from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.customers.factories import events
from tests.documents.factories import create_document, exact


async def test_a_resolved_dispute_is_not_resolved_again(api: ApiClient) -> None:
    invoice = await create_document(api)
    dispute = exact(
        await api.post("/v1/disputes", json={"invoice_id": invoice["id"], "reason": "Price"})
    )
    path = f"/v1/disputes/{dispute['id']}/resolve"
    assert (await api.post(path, json={"outcome": "rejected"})).status_code == 200

    error = assert_error(await api.post(path, json={"outcome": "upheld"}), 409, "invalid_state")

    assert error["message"] == "This dispute is already rejected"
    assert [e["data"]["object"]["status"] for e in await events(api, "dispute.resolved")] == [
        "rejected"
    ]
    assert exact(await api.get(f"/v1/invoices/{invoice['id']}"))["amount_credited"] == Decimal(
        "0.00"
    )


async def test_a_cancelled_plan_is_not_cancelled_again(api: ApiClient) -> None:
    invoice = await create_document(api)
    plan = exact(
        await api.post(
            "/v1/payment_plans",
            json={
                "invoice_id": invoice["id"],
                "count": 2,
                "interval": "month",
                "first_due_date": "2027-01-31",
            },
        )
    )
    path = f"/v1/payment_plans/{plan['id']}/cancel"
    assert (await api.post(path)).status_code == 200

    error = assert_error(await api.post(path), 409, "invalid_state")

    assert error["message"] == "This payment plan is already cancelled"
    assert len(await events(api, "payment_plan.cancelled")) == 1
