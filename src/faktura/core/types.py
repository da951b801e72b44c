"""Field types that mean the same in every request: decimals, a currency code, a country code,
a positive amount. Each carries its one validator; schemas use the type instead of a copy.

A validator raises ValueError, which the API reports as a 422 `validation_error` naming the
field.
"""

from decimal import Decimal
from functools import cache
from typing import Annotated

import pycountry
from pydantic import AfterValidator, Field, WithJsonSchema

from faktura.core.money import MAX_INPUT_DECIMALS, check_currency, decimal_places

# Decimals travel as exact JSON numbers; inputs also accept numeric strings.
DecimalOut = Annotated[
    Decimal, WithJsonSchema({"type": "number", "format": "decimal"}, mode="serialization")
]
DecimalIn = Annotated[
    Decimal,
    WithJsonSchema(
        {
            "anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}],
            "format": "decimal",
        },
        mode="validation",
    ),
]

# An ISO 4217 code of an active currency; lower case is accepted and upper-cased.
CurrencyCode = Annotated[str, AfterValidator(check_currency)]


@cache
def _countries() -> frozenset[str]:
    return frozenset(country.alpha_2 for country in pycountry.countries)


def check_country(value: str) -> str:
    """An ISO 3166-1 alpha-2 code as `pycountry` publishes it; ValueError for anything else."""
    if value not in _countries():
        raise ValueError(f"'{value}' is not an ISO 3166-1 alpha-2 country code")
    return value


# An ISO 3166-1 alpha-2 code, upper case.
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$"), AfterValidator(check_country)]

# Payments, refunds, allocations, disputes and installments stay below this.
MAX_PAYMENT = Decimal(10) ** 12


def check_positive_amount(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("must be greater than 0")
    if value >= MAX_PAYMENT:
        raise ValueError(f"must be less than {MAX_PAYMENT:,}")
    if decimal_places(value.normalize()) > MAX_INPUT_DECIMALS:
        raise ValueError("too many decimals")
    return value


# An amount of money greater than zero, with at most MAX_INPUT_DECIMALS decimals.
PositiveAmount = Annotated[DecimalIn, AfterValidator(check_positive_amount)]
