"""What every generated model and enum builds on."""

from __future__ import annotations

from enum import Enum, StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler
from pydantic_core import core_schema


class FakturaModel(BaseModel):
    """A JSON object of the API. Fields a newer server adds are kept (`model_extra`), not refused,
    so an older SDK keeps working."""

    model_config = ConfigDict(
        extra="allow", populate_by_name=True, protected_namespaces=(), use_enum_values=False
    )


class FakturaEnum(StrEnum):
    """A closed list of values as this SDK's document knows them. Members are strings, so
    `invoice.status == "paid"` holds as well as `invoice.status == DocumentStatus.PAID`."""


class OpenEnum:
    """Validates a value of an enum field: a known value becomes the enum member, an unknown one
    (from a newer server) stays a plain `str` instead of failing the whole response."""

    def __init__(self, enum: type[Enum]) -> None:
        self.enum = enum

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        enum = self.enum

        def validate(value: Any) -> Any:
            if isinstance(value, enum):
                return value
            if isinstance(value, str):
                try:
                    return enum(value)
                except ValueError:
                    return value
            raise ValueError(f"expected a string for {enum.__name__}, got {type(value).__name__}")

        def serialize(value: Any) -> Any:
            return value.value if isinstance(value, Enum) else value

        return core_schema.no_info_plain_validator_function(
            validate,
            serialization=core_schema.plain_serializer_function_ser_schema(serialize),
        )
