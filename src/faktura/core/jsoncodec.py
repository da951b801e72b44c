"""JSON with exact decimals: numbers with a fraction are Decimals in, and written exactly out.

A `RawJSON` value is JSON text written already (a document's stored text): `dumps` embeds it
as it is.
"""

import datetime as dt
import uuid
from typing import Any

import simplejson
from pydantic import BaseModel
from simplejson import RawJSON

__all__ = ["RawJSON", "dumps", "format_datetime", "loads"]


def format_datetime(value: dt.datetime) -> str:
    """A timestamp as the API writes it: UTC, ISO 8601, with Z."""
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="python")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(content: Any, *, sort_keys: bool = False) -> bytes:
    return simplejson.dumps(
        content,
        use_decimal=True,
        default=_default,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        sort_keys=sort_keys,
    ).encode()


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a valid JSON number")


def loads(body: bytes | str) -> Any:
    """Parse JSON keeping every number with a fraction as an exact Decimal."""
    return simplejson.loads(body, use_decimal=True, parse_constant=_refuse_constant)
