from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura.core.money import (
    MoneyError,
    currency_exponent,
    decimal_places,
    quantize_money,
    to_decimal,
)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("10.005", "ILS", "10.01"),
        ("10.004", "EUR", "10.00"),
        ("-10.005", "USD", "-10.01"),
        ("1234.5", "JPY", "1235"),
        ("1234.4", "JPY", "1234"),
        ("1.2345", "BHD", "1.235"),
        ("1.2344", "KWD", "1.234"),
        ("2.5", "usd", "2.50"),
    ],
)
def test_quantize_rounds_half_up_to_the_currency_exponent(
    amount: str,
    currency: str,
    expected: str,
) -> None:
    result = quantize_money(Decimal(amount), currency)
    assert result == Decimal(expected)
    assert str(result) == expected


@pytest.mark.parametrize(
    ("currency", "exponent", "amount", "expected"),
    [
        ("JPY", 0, "1234.5", "1235"),
        ("BHD", 3, "1.2345", "1.235"),
        ("EUR", 2, "1.005", "1.01"),
        ("XCG", 2, "1.005", "1.01"),
        ("CLF", 4, "1.00005", "1.0001"),
    ],
)
def test_exponents_come_from_the_iso_4217_package(
    currency: str, exponent: int, amount: str, expected: str
) -> None:
    assert currency_exponent(currency) == exponent
    assert str(quantize_money(Decimal(amount), currency)) == expected


def test_exponents_follow_iso_4217() -> None:
    assert [currency_exponent(c) for c in ("ILS", "EUR", "USD", "JPY", "BHD", "KWD", "CLF")] == [
        2,
        2,
        2,
        0,
        3,
        3,
        4,
    ]


@given(
    st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, places=6),
    st.sampled_from(["ILS", "JPY", "BHD"]),
)
def test_quantize_is_idempotent_and_exact_to_the_minor_unit(
    amount: Decimal,
    currency: str,
) -> None:
    once = quantize_money(amount, currency)
    assert quantize_money(once, currency) == once
    assert decimal_places(once) == currency_exponent(currency)
    assert abs(once - amount) <= Decimal(1).scaleb(-currency_exponent(currency)) / 2


def test_to_decimal_accepts_numbers_and_numeric_strings() -> None:
    assert to_decimal("12.50") == Decimal("12.50")
    assert to_decimal(7) == Decimal(7)
    assert to_decimal(Decimal("0.1")) == Decimal("0.1")


@pytest.mark.parametrize("bad", [0.1, True, "abc", "NaN", "Infinity", None, [1]])
def test_to_decimal_refuses_floats_booleans_and_non_finite(bad: object) -> None:
    with pytest.raises(MoneyError):
        to_decimal(bad)
