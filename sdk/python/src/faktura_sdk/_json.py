"""JSON with exact money: numbers are read as `Decimal` and `Decimal`s are written as numbers.

The server writes amounts as exact JSON numbers (`1234.50`); reading them as floats would turn
`0.10` into `0.1000000000000000055…`. Writing goes the other way: a `Decimal` becomes the same
digits in the body, never a float on the way.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from pydantic import BaseModel


class _NotGiven:
    """The default of every optional argument: the field is left out of the request, which is
    not the same as sending `null` (that clears a field on PATCH)."""

    _instance: _NotGiven | None = None

    def __new__(cls) -> _NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NotGiven = _NotGiven
NOT_GIVEN = _NotGiven()


def loads(content: bytes | str) -> Any:
    return json.loads(content, parse_float=Decimal)


def to_jsonable(value: Any) -> Any:
    """Plain JSON values from what a caller passes: models (only the fields they set), enums,
    dates, UUIDs; `Decimal`s stay `Decimal` for `dumps` to write exactly."""
    if isinstance(value, BaseModel):
        return to_jsonable(value.model_dump(mode="python", by_alias=True, exclude_unset=True))
    if isinstance(value, Enum):
        return value.value
    if value is None or isinstance(value, str | bool | int | Decimal):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} cannot be sent as JSON")
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items() if v is not NOT_GIVEN}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    raise TypeError(f"cannot send a {type(value).__name__} as JSON")


def _decimal_text(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"{value} cannot be sent as JSON")
    text = format(value, "f")
    return "0" if text in ("-0", "") else text


def dumps(value: Any) -> bytes:
    """Compact JSON; a `Decimal` is written with exactly its digits (`Decimal("0.10")` → `0.10`)."""
    parts: list[str] = []
    _write(to_jsonable(value), parts)
    return "".join(parts).encode()


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, Decimal):
        out.append(_decimal_text(value))
    elif isinstance(value, int | float | str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, dict):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(":")
            _write(item, out)
        out.append("}")
    elif isinstance(value, list):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:  # pragma: no cover - to_jsonable returns nothing else
        raise TypeError(f"cannot send a {type(value).__name__} as JSON")


def query_value(value: Any) -> Any:
    """A query parameter's text: booleans as true/false, lists repeated, the rest as JSON would."""
    value = to_jsonable(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return [query_value(v) for v in value]
    if isinstance(value, Decimal):
        return _decimal_text(value)
    return value
