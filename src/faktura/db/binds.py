"""Statements built once, at import, and run many times: each column is a bind parameter named
`<prefix><column>`, so that two tables' values can be bound to one statement side by side."""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import BindParameter, Table, bindparam


def bind_columns(table: Table, names: Sequence[str], prefix: str) -> list[BindParameter[Any]]:
    """A typed bind parameter for each column of `table` in `names`, in that order."""
    return [bindparam(f"{prefix}{name}", type_=table.c[name].type) for name in names]


def bind_values(values: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """`values` (column → value) as the parameters of `bind_columns` with this prefix."""
    return {f"{prefix}{name}": value for name, value in values.items()}
