"""Dates are `YYYY-MM-DD` strings and amounts are JSON numbers or strings of the schema's pattern:
what the schema forbids is refused with 422, never read another way."""

from typing import Any

import pytest

from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.documents.factories import create_document, line

DATE = "must be a date written YYYY-MM-DD"
AMOUNT = "must be a decimal number written like 12.50 or -0.5"


def payment(**overrides: Any) -> dict[str, Any]:
    return {"amount": "10.00", "payment_date": "2026-11-23", "currency": "ILS", **overrides}


@pytest.mark.parametrize(
    "written", [1699920000, 0, "1699920000", "2026-11-23T00:00:00", "23/11/2026", "2026-1-2"]
)
async def test_a_payment_date_that_is_not_yyyy_mm_dd_is_422(api: ApiClient, written: Any) -> None:
    response = await api.post("/v1/payments", json=payment(payment_date=written))

    error = assert_error(response, 422, "validation_error")
    assert error["details"] == [{"field": "payment_date", "message": DATE}]
    assert (await api.get("/v1/payments")).json()["total"] == 0


async def test_a_document_date_that_is_a_number_is_422(api: ApiClient) -> None:
    await create_document(api, issue_date=1699920000, expect=422)
    response = await api.post("/v1/invoices", json={"due_date": 0, "line_items": [line()]})

    assert {"field": "due_date", "message": DATE} in assert_error(
        response, 422, "validation_error"
    )["details"]
    assert (await api.get("/v1/invoices")).json()["total"] == 0


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/reports/aging?as_of=0", "as_of"),
        ("/v1/reports/balance?as_of=1699920000", "as_of"),
        ("/v1/invoices?to=0", "to"),
        ("/v1/documents?due_from=20261123", "due_from"),
        ("/v1/payments?from=0.5", "from"),
    ],
)
async def test_a_date_filter_that_is_a_number_is_422(api: ApiClient, path: str, field: str) -> None:
    error = assert_error(await api.get(path), 422, "validation_error")

    assert error["details"] == [{"field": field, "message": DATE}]


async def test_created_filters_take_a_date_or_an_iso_time_not_a_number(api: ApiClient) -> None:
    assert (await api.get("/v1/customers?created_from=2026-11-23")).status_code == 200
    assert (await api.get("/v1/customers?created_to=2026-11-23T10:15:00Z")).status_code == 200

    error = assert_error(await api.get("/v1/customers?created_to=0.5"), 422, "validation_error")
    assert error["details"] == [
        {
            "field": "created_to",
            "message": "must be a date (YYYY-MM-DD) or an ISO 8601 date and time",
        }
    ]


@pytest.mark.parametrize("written", ["1e5", " 12 ", "+3", ".5", "12.", "NaN", "Infinity", "1_000"])
async def test_an_amount_string_outside_the_schema_pattern_is_422(
    api: ApiClient, written: str
) -> None:
    response = await api.post("/v1/payments", json=payment(amount=written))

    error = assert_error(response, 422, "validation_error")
    assert error["details"] == [{"field": "amount", "message": AMOUNT}]
    assert (await api.get("/v1/payments")).json()["total"] == 0


async def test_amounts_as_numbers_and_pattern_strings_are_accepted(api: ApiClient) -> None:
    as_number = await api.post("/v1/payments", json=payment(amount=12.5))
    as_string = await api.post("/v1/payments", json=payment(amount="12.50"))

    assert (as_number.status_code, as_string.status_code) == (201, 201)
    assert as_number.json()["amount"] == as_string.json()["amount"]


async def test_a_boolean_is_not_an_amount(api: ApiClient) -> None:
    response = await api.post("/v1/payments", json=payment(amount=True))

    error = assert_error(response, 422, "validation_error")
    assert error["details"] == [
        {"field": "amount", "message": "must be a number, not true or false"}
    ]
