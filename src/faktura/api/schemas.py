"""Shapes shared by every resource: money and rate fields, addresses, lists, the error object."""

from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from faktura.core.errors import ERROR_CODES
from faktura.core.types import CountryCode, Text, named, one_of
from faktura.core.types import DecimalIn as DecimalIn
from faktura.core.types import DecimalOut as DecimalOut
from faktura.db.pagination import COUNT_LIMIT

T = TypeVar("T")


def _allows_null(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "null" or any(
        option == {"type": "null"} for option in schema.get("anyOf", [])
    )


def _no_null_defaults(schema: dict[str, Any]) -> None:
    """A field that may be left out but not sent as null (NEVER_NULL) shows no `default: null`:
    the schema offers only values the server takes."""
    for prop in schema.get("properties", {}).values():
        if "default" in prop and prop["default"] is None and not _allows_null(prop):
            del prop["default"]


class InputModel(BaseModel):
    """Request bodies refuse fields they do not know, so a typo is an error, not a no-op."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra=_no_null_defaults
    )


class NoFields(InputModel):
    """The body of an action that takes no fields: none at all, or `{}`. Anything else is a
    422 naming the field, as on every other body."""


class OutputModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    street: Text | None = Field(None, max_length=300, description="Street and number")
    city: Text | None = Field(None, max_length=120, description="City")
    zip: Text | None = Field(None, max_length=20, description="Postal code")
    state: Text | None = Field(None, max_length=120, description="State, region or province")
    country: CountryCode | None = Field(None, description="ISO 3166-1 alpha-2 country code")


class ElectronicAddress(BaseModel):
    """Where e-invoices reach a party: a Peppol participant id, as EN 16931 BT-34 / BT-49."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    scheme: str = Field(
        pattern=r"^([0-9]{4}|EM)$",
        description="Electronic address scheme (EAS code list): 0088 GLN, 0208 Belgian company "
        "number, 9930 German VAT, 9957 French VAT, 0204 Leitweg-ID, EM email…",
    )
    id: Text = Field(min_length=1, max_length=100, description="The address within the scheme")


def _address_from_text(value: object) -> object:
    """Seed 003 sends an address as one string: it is the street line."""
    return {"street": value} if isinstance(value, str) else value


@dataclass(frozen=True, slots=True)
class _OrStreetLine:
    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        line = {
            "type": "string",
            "maxLength": 300,
            "description": "The address in one line: kept as `street`",
        }
        return {"anyOf": [handler(schema), line]}


# A postal address in a request: the object, or one string kept as its street line.
AddressIn = Annotated[Address, BeforeValidator(_address_from_text), _OrStreetLine()]


class ListResponse(BaseModel, Generic[T]):
    data: list[T] = Field(description="The objects of this page, newest first")
    page: int = Field(
        description="Page number (1-based); 1 when `starting_after` or `ending_before` was used"
    )
    per_page: int = Field(description="Page size asked for")
    total: int | None = Field(
        description="Number of objects matching the filters, over all pages; null on keyset "
        f"pages (`starting_after`, `ending_before`), which never count, and when more than "
        f"{COUNT_LIMIT:,} "
        "match unless `include_total=true` was asked"
    )
    has_more: bool = Field(
        description="Whether objects follow this page (with `ending_before`: whether newer "
        "objects precede it)"
    )


class ErrorDetailModel(BaseModel):
    field: str = Field(description="Path of the invalid field, e.g. `line_items[0].quantity`")
    message: str = Field(description="What is wrong with it")


class ErrorObject(BaseModel):
    code: Annotated[
        str,
        one_of(ERROR_CODES),
        named("ErrorCode", "What went wrong, for programs: docs/api-conventions.md lists each"),
    ] = Field(description="Machine-readable code, e.g. `not_found`, `validation_error`")
    message: str = Field(description="Human-readable explanation")
    status: int = Field(description="The HTTP status, repeated")
    request_id: str = Field(description="Id of the request, also in the X-Request-Id header")
    details: list[ErrorDetailModel] | None = Field(
        None, description="Each invalid field (422 only)"
    )


class ErrorResponse(BaseModel):
    error: ErrorObject = Field(description="What went wrong")


class DeletedResponse(BaseModel):
    id: str = Field(description="Id of the deleted object")
    deleted: bool = Field(description="Always true")
