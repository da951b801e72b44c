"""Column types that behave the same on PostgreSQL and SQLite."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import JSON, BigInteger, DateTime, Dialect, Numeric, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator, TypeEngine

from faktura.core.money import (
    MAX_INPUT_DECIMALS,
    MAX_STORED_MAGNITUDE,
    QUANTITY_DECIMALS,
    UNIT_PRICE_DECIMALS,
)


class ExactDecimal(TypeDecorator[Decimal]):
    """An exact decimal with a fixed scale on every database.

    PostgreSQL stores ``NUMERIC(precision, scale)``. SQLite has no exact decimal (its NUMERIC is a
    float: 99999999999999.99 reads back as …98), so there the value is stored as a 64-bit integer
    of ``10**-scale`` units; sums and comparisons in SQL stay exact and ordered.

    A scale too fine for a 64-bit integer at the largest magnitude (unit prices of 8 decimals up
    to 10^12) is stored on SQLite as its fixed-point text instead (`sqlite_text=True`): exact,
    but neither summed nor compared in SQL, which no query does with unit prices.
    """

    impl = Numeric
    cache_ok = True

    def __init__(
        self, precision: int = 20, scale: int = MAX_INPUT_DECIMALS, sqlite_text: bool = False
    ):
        super().__init__()
        self.precision = precision
        self.scale = scale
        self.sqlite_text = sqlite_text
        self._quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40) if self.sqlite_text else BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        exact = Decimal(value) if not isinstance(value, Decimal) else value
        scaled = exact.quantize(self._quantum)
        if scaled != exact:
            raise ValueError(f"{value} has more than {self.scale} decimals")
        if abs(scaled) >= MAX_STORED_MAGNITUDE:
            raise ValueError(f"{value} is beyond the largest stored amount")
        if dialect.name == "sqlite":
            if self.sqlite_text:
                return f"{scaled:f}"
            units = int(scaled.scaleb(self.scale))
            if abs(units) >= 2**63:
                raise ValueError(f"{value} is beyond the largest stored value at this scale")
            return units
        return scaled

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            if self.sqlite_text:
                return Decimal(value).quantize(self._quantum)
            return Decimal(int(value)).scaleb(-self.scale)
        return Decimal(value).quantize(self._quantum)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp; SQLite's naive values are read back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Faktura stores UTC timestamps only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# A JSON column: JSONB on PostgreSQL, JSON text on SQLite. A model names what its JSON column
# holds in the annotation, with a TypedDict or a typed list or mapping (`Mapped[AddressData]`,
# `Mapped[list[str]]`) and `mapped_column(JSONType)`: the stored JSON is the same either way.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class AddressData(TypedDict, total=False):
    """A postal address as stored for accounts and customers; `country` is ISO 3166-1 alpha-2."""

    street: str | None
    city: str | None
    zip: str | None
    state: str | None
    country: str | None


class ElectronicAddressData(TypedDict):
    """An e-invoicing address: the EAS scheme code and the id within it."""

    scheme: str
    id: str


# Free-form string keys and values a client attaches to an object.
MetadataData = dict[str, str]


def unit_price_column() -> ExactDecimal:
    """Unit prices: 8 decimals, up to 10^12 (text on SQLite, where 10^20 units overflow)."""
    return ExactDecimal(precision=22, scale=UNIT_PRICE_DECIMALS, sqlite_text=True)


def quantity_column() -> ExactDecimal:
    """Quantities: 6 decimals, up to 10^12 (10^18 units: still a 64-bit integer on SQLite)."""
    return ExactDecimal(precision=20, scale=QUANTITY_DECIMALS)
