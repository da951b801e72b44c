"""Exact money: one place knows each currency's exponent and how amounts are rounded."""

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from iso4217 import Currency

from faktura.core.errors import ValidationFailed

# ISO 4217 as the maintained `iso4217` package publishes it (its edition is in uv.lock): each
# active currency and the decimals of its minor unit. Units without a minor unit (gold XAU,
# special drawing rights XDR, the testing code XTS) are not money that can be invoiced.
_EXPONENTS: dict[str, int] = {
    currency.code: currency.exponent for currency in Currency if currency.exponent is not None
}

# Active ISO 4217 codes accepted as a currency.
CURRENCIES: frozenset[str] = frozenset(_EXPONENTS)

# Amounts, rates and percentages carry at most this many decimals; it is also their storage
# scale.
MAX_INPUT_DECIMALS = 4
# Unit prices and quantities carry more (energy, telecom and per-unit cloud prices such as
# 0.00101 a kWh): these are their decimals, and their storage scales.
UNIT_PRICE_DECIMALS = 8
QUANTITY_DECIMALS = 6
# The largest magnitude stored, the same on every database (SQLite keeps 64-bit integers of
# 1/10,000 units): amounts up to 99,999,999,999,999.9999.
MAX_STORED_MAGNITUDE = Decimal(10) ** 14


class MoneyError(ValueError):
    """A value that cannot be an exact amount."""


def currency_exponent(currency: str) -> int:
    """Number of decimals of the currency's minor unit (ISO 4217)."""
    return _EXPONENTS.get(currency.upper(), 2)


def check_currency(value: str) -> str:
    """The ISO 4217 code, upper-cased; ValueError for anything else. The only currency check."""
    value = value.upper()
    if value not in CURRENCIES:
        raise ValueError(f"'{value}' is not an ISO 4217 currency code")
    return value


# The minor unit of each exponent: 2 → Decimal("0.01").
_QUANTA = {exponent: Decimal(1).scaleb(-exponent) for exponent in range(5)}


def quantize_money(amount: Decimal, currency: str) -> Decimal:
    """Round an amount to the currency's minor unit, half-up. The only rounding of money."""
    return amount.quantize(_QUANTA[currency_exponent(currency)], rounding=ROUND_HALF_UP)


def to_decimal(value: object) -> Decimal:
    """Parse an API input (int, numeric string or Decimal) into an exact Decimal.

    Floats are refused at this layer: JSON numbers are parsed as Decimal before they get here.
    """
    if isinstance(value, bool):
        raise MoneyError("must be a number, not a boolean")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation as exc:
            raise MoneyError("must be a decimal number") from exc
    else:
        raise MoneyError("must be a number or a numeric string")
    if not result.is_finite():
        raise MoneyError("must be a finite number")
    return result


def normalize_decimal(value: Decimal) -> Decimal:
    """Plain notation without an exponent or a negative zero: 1E+2 → 100, -0.0 → 0.0."""
    if value.is_zero():
        value = abs(value)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        value = value.quantize(Decimal(1))
    return value


def check_minor_units(value: Decimal, currency: str, field: str) -> None:
    """Refuse (422 on `field`) an amount finer than the currency's minor unit: never round it."""
    if quantize_money(value, currency) != value:
        raise ValidationFailed.on_field(field, f"has more decimals than {currency} allows")


def display_amount(value: Decimal, currency: str) -> Decimal:
    """A stored amount as the API shows it: in the currency's minor units when it fits them
    (100.0000 → 100.00), otherwise with the decimals it has (a unit price of 0.1234). The only
    display of money: amounts, prices and balances of every resource go through it."""
    return amount_display(currency)(value)


def amount_display(currency: str) -> Callable[[Decimal], Decimal]:
    """`display_amount` for one currency, its minor unit looked up once: for the many amounts
    of a document."""
    quantum = _QUANTA[currency_exponent(currency)]

    def display(value: Decimal) -> Decimal:
        rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
        if rounded == value:
            return rounded
        return normalize_decimal(value.normalize())

    return display


def money_text(value: Decimal, currency: str) -> str:
    """An amount as messages print it: at the currency's exponent, with the currency
    (`118.00 EUR`, not `118.0000`)."""
    return f"{display_amount(value, currency)} {currency}"


def decimal_places(value: Decimal) -> int:
    """Decimals written in the value (1.50 has 2, 1E+2 has 0)."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)
