"""Request and response shapes of catalog items."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StringConstraints, WithJsonSchema, field_validator

from faktura.api.schemas import DecimalIn, DecimalOut, InputModel, OutputModel
from faktura.core.money import UNIT_PRICE_DECIMALS, decimal_places, display_amount
from faktura.core.types import NEVER_NULL, CurrencyCode, MultilineText, Text, VatType
from faktura.items.models import Item as ItemRow

MAX_UNIT_PRICE = Decimal(10) ** 12

_UNIT_PRICE = (
    f"Price of one unit: exact, at most {UNIT_PRICE_DECIMALS} decimals, zero or more; a number "
    "or a numeric string"
)
# A catalog price: 0 or more and below 10^12, as its JSON schema says (checked by check_unit_price).
UnitPrice = Annotated[
    DecimalIn,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "exclusiveMaximum": int(MAX_UNIT_PRICE)},
                {"type": "string", "pattern": r"^\d+(\.\d+)?$"},
            ],
            "format": "decimal",
        },
        mode="validation",
    ),
]
_UNIT = "The unit in words, e.g. hour, piece, kg"
UnitCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{2,3}$")]
_UNIT_CODE = "UN/ECE Recommendation 20 unit code, e.g. HUR (hour), H87 (piece), KGM (kg)"
_VAT_TYPE = (
    "included: unit_price is gross (VAT inside); excluded: VAT is added on top; exempt: no VAT"
)
_VAT_RATE_ID = "Id of one of the account's vat_rates (see GET /v1/account)"
_SKU = "Stock keeping unit, unique per account and mode when given"


def check_unit_price(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError("must be zero or more")
    if value >= MAX_UNIT_PRICE:
        raise ValueError(f"must be less than {MAX_UNIT_PRICE:,}")
    if decimal_places(value.normalize()) > UNIT_PRICE_DECIMALS:
        raise ValueError(f"at most {UNIT_PRICE_DECIMALS} decimals")
    return value


class ItemCreate(InputModel):
    name: Text = Field(min_length=1, max_length=200, description="Name shown on documents")
    description: MultilineText | None = Field(
        None, max_length=5000, description="Longer description"
    )
    unit_price: UnitPrice = Field(description=_UNIT_PRICE)
    currency: CurrencyCode | None = Field(
        None, description="ISO 4217 code of unit_price; the account's currency if omitted"
    )
    unit: Text | None = Field(None, min_length=1, max_length=50, description=_UNIT)
    unit_code: UnitCode | None = Field(None, description=_UNIT_CODE)
    sku: Text | None = Field(None, min_length=1, max_length=100, description=_SKU)
    vat_type: VatType = Field("excluded", description=_VAT_TYPE)
    vat_rate_id: Text | None = Field(None, max_length=64, description=_VAT_RATE_ID)
    active: StrictBool = Field(True, description="Offered for new documents; false archives it")

    @field_validator("unit_price")
    @classmethod
    def _unit_price(cls, value: Decimal) -> Decimal:
        return check_unit_price(value)


class ItemUpdate(InputModel):
    """Only the fields given change; `null` clears an optional field."""

    name: Annotated[Text | None, NEVER_NULL] = Field(
        None, min_length=1, max_length=200, description="Name"
    )
    description: MultilineText | None = Field(
        None, max_length=5000, description="Longer description"
    )
    unit_price: Annotated[UnitPrice | None, NEVER_NULL] = Field(None, description=_UNIT_PRICE)
    currency: Annotated[CurrencyCode | None, NEVER_NULL] = Field(
        None, description="ISO 4217 code of unit_price"
    )
    unit: Text | None = Field(None, min_length=1, max_length=50, description=_UNIT)
    unit_code: UnitCode | None = Field(None, description=_UNIT_CODE)
    sku: Text | None = Field(None, min_length=1, max_length=100, description=_SKU)
    vat_type: Annotated[VatType | None, NEVER_NULL] = Field(None, description=_VAT_TYPE)
    vat_rate_id: Text | None = Field(None, max_length=64, description=_VAT_RATE_ID)
    active: Annotated[StrictBool | None, NEVER_NULL] = Field(
        None, description="Offered for new documents; false archives it"
    )

    @field_validator("unit_price")
    @classmethod
    def _unit_price(cls, value: Decimal | None) -> Decimal | None:
        return None if value is None else check_unit_price(value)


class Item(OutputModel):
    id: uuid.UUID = Field(description="Item id")
    object: Literal["item"] = "item"
    name: str = Field(description="Name shown on documents")
    description: str | None = Field(description="Longer description")
    unit_price: DecimalOut = Field(
        description="Price of one unit, with at least the currency's decimals (12.50 USD)"
    )
    currency: str = Field(description="ISO 4217 code of unit_price")
    unit: str | None = Field(description=_UNIT)
    unit_code: str | None = Field(description=_UNIT_CODE)
    sku: str | None = Field(description="Stock keeping unit")
    vat_type: VatType = Field(description=_VAT_TYPE)
    vat_rate_id: str | None = Field(description=_VAT_RATE_ID)
    active: bool = Field(description="Offered for new documents; false when archived")
    livemode: bool = Field(description="Live or test mode")
    created_at: datetime = Field(description="Creation time (UTC)")
    updated_at: datetime = Field(description="Last change (UTC)")


class ItemDeleted(OutputModel):
    id: uuid.UUID = Field(description="Item id")
    object: Literal["item"] = "item"
    deleted: bool = Field(description="True when the item was removed")
    archived: bool = Field(
        description="True when the item is used on documents and was archived (active: "
        "false) instead of removed"
    )


def item_out(item: ItemRow) -> Item:
    return Item(
        id=item.id,
        name=item.name,
        description=item.description,
        unit_price=display_amount(item.unit_price, item.currency),
        currency=item.currency,
        unit=item.unit,
        unit_code=item.unit_code,
        sku=item.sku,
        vat_type=item.vat_type,
        vat_rate_id=item.vat_rate_id,
        active=item.active,
        livemode=item.livemode,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )
