"""Field types that mean the same in every request: decimals, a currency code, a country code,
a positive amount. Each carries its one validator; schemas use the type instead of a copy.

A validator raises ValueError, which the API reports as a 422 `validation_error` naming the
field.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal, get_args, get_origin

import pycountry
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from faktura.core.money import CURRENCIES, MAX_INPUT_DECIMALS, check_currency, decimal_places

# C0 control characters (and DEL). PostgreSQL cannot store NUL in text at all, and none of these
# belongs in a name, a number or a note: refusing them here makes both databases answer the same.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_BUT_LINE_BREAKS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _describe(char: str) -> str:
    return f"U+{ord(char):04X}"


def check_single_line(value: str) -> str:
    """A one-line string: no control character at all. ValueError naming the first one."""
    found = _CONTROL.search(value)
    if found:
        raise ValueError(f"must not contain control characters ({_describe(found.group())})")
    return value


def check_multiline(value: str) -> str:
    """Free text: tab, line feed and carriage return allowed, no other control character."""
    found = _CONTROL_BUT_LINE_BREAKS.search(value)
    if found:
        raise ValueError(
            f"must not contain control characters other than tab and line breaks "
            f"({_describe(found.group())})"
        )
    return value


@dataclass(frozen=True, slots=True)
class _SchemaPattern:
    """Adds a `pattern` to a string's JSON schema without changing how it validates, so clients
    and generated tests see the rule the validator applies."""

    pattern: str

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema.setdefault("pattern", self.pattern)
        return schema


@dataclass(frozen=True, slots=True)
class _NeverNull:
    """A field that may be left out but never sent as null (a setting that always has a value:
    it can be changed, never cleared). The field keeps `X | None` for its absent default, and
    validates as `X` alone: null is a 422 naming the field, the JSON schema does not offer it,
    and the field's constraints apply to X as usual."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        schema = handler(source)
        return schema["schema"] if schema["type"] == "nullable" else schema


# `Annotated[X | None, NEVER_NULL] = Field(None)`: optional in a PATCH, but never null.
NEVER_NULL = _NeverNull()


@dataclass(frozen=True, slots=True)
class _SchemaEnum:
    """Lists a string's allowed values in its JSON schema; the validator that refuses the others
    (with a message naming the value) stays where it is."""

    values: tuple[str, ...]

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema.pop("pattern", None)
        schema["enum"] = list(self.values)
        return schema


def one_of(values: Iterable[str]) -> _SchemaEnum:
    return _SchemaEnum(tuple(sorted(values)))


# The key that carries a shared schema's name from the models to the OpenAPI document, which
# publishes the schema once under components/schemas and points every use at it.
SCHEMA_NAME = "x-faktura-schema"
SCHEMA_DESCRIPTION = "x-faktura-schema-description"


@dataclass(frozen=True, slots=True)
class _SchemaName:
    name: str
    description: str

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema[SCHEMA_NAME] = self.name
        schema[SCHEMA_DESCRIPTION] = self.description
        return schema


def values_of(choice: Any) -> tuple[str, ...]:
    """The values of a `Literal[...]`, named (`Annotated[Literal[...], named(...)]`) or not."""
    if get_origin(choice) is Annotated:
        choice = get_args(choice)[0]
    return get_args(choice)


def named(name: str, description: str) -> _SchemaName:
    """Names a type's schema (an enum, mostly), so that generated clients make one class of it
    however many fields and parameters use it (api/openapi.py lifts it)."""
    return _SchemaName(name, description)


_VAT_TYPE = named(
    "VatType",
    "How a price relates to VAT: `excluded` (VAT is added), `included` (the price contains it) "
    "or `exempt` (no VAT)",
)
VatType = Annotated[Literal["included", "excluded", "exempt"], _VAT_TYPE]
# As responses show it: a string, with the same schema.
VatTypeOut = Annotated[str, one_of(("included", "excluded", "exempt")), _VAT_TYPE]


# A string whose own pattern already excludes control characters: the pattern is then its JSON
# schema too (a Field(pattern=...) on Text would check it but not show it).
LOCALE_PATTERN = r"^[a-z]{2,3}(-[A-Z]{2})?$"
Locale = Annotated[str, StringConstraints(pattern=LOCALE_PATTERN)]
# The shape of an IANA zone name (UTC, Etc/GMT+5, America/Argentina/Buenos_Aires); whether the
# zone exists is checked against the zone database.
TimeZoneName = Annotated[
    str,
    StringConstraints(
        min_length=1, max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$"
    ),
]


# Every string a request carries is one of these two: Text for names, codes, numbers, filters;
# MultilineText for notes, terms, descriptions and footers.
Text = Annotated[
    str, AfterValidator(check_single_line), _SchemaPattern(r"^[^\u0000-\u001f\u007f]*$")
]
MultilineText = Annotated[
    str,
    AfterValidator(check_multiline),
    _SchemaPattern(r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$"),
]

# Dates are written `YYYY-MM-DD` and nothing else: a number is not a date (pydantic would read
# 1699920000 as a Unix time and `0` as 1970-01-01).
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATE_OR_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:[Zz]|[+-]\d{2}:?\d{2})?)?"
)


def check_iso_date(value: object) -> object:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


def check_iso_date_or_time(value: object) -> object:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE_OR_TIME.fullmatch(value):
        raise ValueError("must be a date (YYYY-MM-DD) or an ISO 8601 date and time")
    return value


IsoDate = Annotated[date, BeforeValidator(check_iso_date)]
IsoDateOrTime = Annotated[date | datetime, BeforeValidator(check_iso_date_or_time)]

# Decimals travel as exact JSON numbers; inputs also accept numeric strings, written as the
# schema's pattern says: no exponent, sign "+", blanks or bare point ("1e5", "+3", " 12 ", ".5").
DECIMAL_STRING = r"^-?\d+(\.\d+)?$"
_DECIMAL_STRING = re.compile(DECIMAL_STRING)


def check_decimal_input(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    if isinstance(value, str) and not _DECIMAL_STRING.fullmatch(value):
        raise ValueError("must be a decimal number written like 12.50 or -0.5")
    return value


DecimalOut = Annotated[
    Decimal, WithJsonSchema({"type": "number", "format": "decimal"}, mode="serialization")
]
DecimalIn = Annotated[
    Decimal,
    BeforeValidator(check_decimal_input),
    WithJsonSchema(
        {
            "anyOf": [{"type": "number"}, {"type": "string", "pattern": DECIMAL_STRING}],
            "format": "decimal",
        },
        mode="validation",
    ),
]

# An ISO 4217 code of an active currency; lower case is accepted and upper-cased.
CurrencyCode = Annotated[
    str,
    AfterValidator(check_currency),
    one_of(CURRENCIES),
    named("Currency", "An ISO 4217 currency code with a minor unit"),
]


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


# A decimal string above zero: a non-zero digit before the point, or a zero integer part and a
# non-zero digit after it.
POSITIVE_DECIMAL_STRING = r"^(\d*[1-9]\d*(\.\d+)?|0+\.\d*[1-9]\d*)$"


def check_positive_amount(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("must be greater than 0")
    if value >= MAX_PAYMENT:
        raise ValueError(f"must be less than {MAX_PAYMENT:,}")
    if decimal_places(value.normalize()) > MAX_INPUT_DECIMALS:
        raise ValueError("too many decimals")
    return value


# An amount of money greater than zero, with at most MAX_INPUT_DECIMALS decimals.
PositiveAmount = Annotated[
    DecimalIn,
    AfterValidator(check_positive_amount),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": int(MAX_PAYMENT)},
                {"type": "string", "pattern": POSITIVE_DECIMAL_STRING},
            ],
            "format": "decimal",
        },
        mode="validation",
    ),
]


# The context key that carries the field a cross-field rule blames (see `field_error`).
BLAMED_FIELD = "blamed_field"


def field_error(field: str, message: str) -> PydanticCustomError:
    """What a model validator raises when a rule over several fields is broken by one of them:
    the 422 names `field` (`error_message`), not the whole body."""
    return PydanticCustomError("field_error", message, {BLAMED_FIELD: field})
