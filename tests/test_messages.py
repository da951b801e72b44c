"""Error messages a person reads: amounts at the currency's exponent with the currency, the
right article, and the field the caller actually sent."""

from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.documents.factories import create_document
from tests.payments.factories import invoice_of, pay


async def test_amounts_print_at_the_currency_exponent(api: ApiClient) -> None:
    invoice = await invoice_of(api, "118.00", currency="EUR")

    response = await api.post(
        "/v1/payments",
        json={
            "payment_date": "2026-11-23",
            "amount": "100.00",
            "currency": "EUR",
            "customer_id": invoice["customer_id"],
            "allocations": [{"invoice_id": invoice["id"], "amount": "150.5"}],
        },
    )

    error = assert_error(response, 422, "validation_error")
    assert error["details"] == [
        {
            "field": "allocations[0].amount",
            "message": "150.50 EUR is more than the payment has unapplied (100.00 EUR)",
        }
    ]


async def test_a_refund_over_what_is_left_names_both_amounts(api: ApiClient) -> None:
    invoice = await invoice_of(api, "118.00", currency="EUR")
    payment = await pay(api, amount="118", currency="EUR", invoice_id=invoice["id"])

    response = await api.post(f"/v1/payments/{payment['id']}/refund", json={"amount": "200"})

    error = assert_error(response, 422, "validation_error")
    assert error["details"] == [
        {
            "field": "amount",
            "message": "200.00 EUR is more than the 118.00 EUR that can still be refunded",
        }
    ]


async def test_an_invoice_takes_an(api: ApiClient) -> None:
    first = await create_document(api, number="INV-77")

    response = await api.post(
        "/v1/invoices",
        json={
            "customer_id": first["customer_id"],
            "number": "INV-77",
            "line_items": [{"description": "x", "quantity": "1", "unit_price": "1"}],
        },
    )

    error = assert_error(response, 409, "conflict")
    assert error["message"] == "An invoice numbered 'INV-77' already exists"


async def test_a_negative_amount_names_amount(api: ApiClient) -> None:
    customer = (await create_document(api))["customer_id"]

    response = await api.post("/v1/invoices", json={"customer_id": customer, "amount": -5})

    error = assert_error(response, 422, "validation_error")
    assert [detail["field"] for detail in error["details"]] == ["amount"]


async def test_error_message_with_mark_synced_names_error_message(api: ApiClient) -> None:
    response = await api.post(
        "/v1/accounting/changes",
        json={
            "action": "mark_synced",
            "change_ids": ["018f0000-0000-7000-8000-000000000000"],
            "error_message": "no",
        },
    )

    error = assert_error(response, 422, "validation_error")
    assert error["details"] == [
        {"field": "error_message", "message": "error_message is only for mark_failed"}
    ]
