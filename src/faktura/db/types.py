"""Column types that behave the same on PostgreSQL and SQLite."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import JSON, BigInteger, DateTime, Dialect, Numeric
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator, TypeEngine

from faktura.core.money import MAX_INPUT_DECIMALS, MAX_STORED_MAGNITUDE


class ExactDecimal(TypeDecorator[Decimal]):
    """An exact decimal with a fixed scale on every database.

    PostgreSQL stores ``NUMERIC(precision, scale)``. SQLite has no exact decimal (its NUMERIC is a
    float: 99999999999999.99 reads back as …98), so there the value is stored as a 64-bit integer
    of ``10**-scale`` units; sums and comparisons in SQL stay exact and ordered.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 20, scale: int = MAX_INPUT_DECIMALS):
        super().__init__()
        self.precision = precision
        self.scale = scale
        self._quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
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
            return int(scaled.scaleb(self.scale))
        return scaled

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
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


# Free-form string keys and values a client attaches to an object.
MetadataData = dict[str, str]
