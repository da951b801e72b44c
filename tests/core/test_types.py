"""The shared field types, through the API: ISO 4217 currencies and ISO 3166 countries as the
maintained packages publish them, and positive amounts."""

import pytest

from faktura.core.money import CURRENCIES
from faktura.core.types import check_country
from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.customers.factories import customer_body


@pytest.mark.parametrize("currency", ["XCG", "VED", "EUR", "jpy"])
async def test_a_current_currency_is_accepted(api: ApiClient, currency: str) -> None:
    response = await api.post("/v1/customers", json=customer_body(currency=currency))

    assert response.status_code == 201, response.text
    assert response.json()["currency"] == currency.upper()


@pytest.mark.parametrize("currency", ["ANG", "XYZ", "XAU"])
async def test_a_withdrawn_or_unknown_currency_is_422_naming_the_field(
    api: ApiClient, currency: str
) -> None:
    response = await api.post("/v1/customers", json=customer_body(currency=currency))

    error = assert_error(response, 422, "validation_error")
    assert error["details"] == [
        {"field": "currency", "message": f"'{currency}' is not an ISO 4217 currency code"}
    ]
    assert (await api.get("/v1/customers")).json()["total"] == 0


async def test_a_country_of_iso_3166_is_accepted(api: ApiClient) -> None:
    response = await api.post("/v1/customers", json=customer_body(address={"country": "DE"}))

    assert response.status_code == 201, response.text
    assert response.json()["address"]["country"] == "DE"


async def test_an_unassigned_country_is_422_naming_the_field(api: ApiClient) -> None:
    response = await api.post("/v1/customers", json=customer_body(address={"country": "ZZ"}))

    error = assert_error(response, 422, "validation_error")
    assert error["details"] == [
        {"field": "address.country", "message": "'ZZ' is not an ISO 3166-1 alpha-2 country code"}
    ]
    assert (await api.get("/v1/customers")).json()["total"] == 0


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "must be greater than 0"),
        ("-1.00", "must be greater than 0"),
        ("1000000000000", "must be less than 1,000,000,000,000"),
        ("1.00001", "too many decimals"),
    ],
)
async def test_a_payment_amount_must_be_positive(api: ApiClient, amount: str, message: str) -> None:
    response = await api.post(
        "/v1/payments", json={"amount": amount, "currency": "EUR", "payment_date": "2026-12-01"}
    )

    error = assert_error(response, 422, "validation_error")
    assert error["details"] == [{"field": "amount", "message": message}]
    assert (await api.get("/v1/payments")).json()["total"] == 0


def test_the_tables_are_the_published_ones() -> None:
    assert {"XCG", "VED", "EUR", "JPY", "BHD", "CLF"} <= CURRENCIES
    assert not {"ANG", "XAU", "XTS", "XXX"} & CURRENCIES
    assert check_country("IL") == "IL"
    with pytest.raises(ValueError, match="'ZZ' is not an ISO 3166-1 alpha-2 country code"):
        check_country("ZZ")
