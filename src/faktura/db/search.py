"""Substring search over a case-folded text column, the same on PostgreSQL and SQLite.

A searchable table keeps a `search_text` column: the case-folded values a search should find,
one per line, written by its service whenever they change. A search is then one
`search_text LIKE '%term%'`, which PostgreSQL answers from a GIN trigram index (pg_trgm) and
SQLite by reading the tenant's rows. Case-folding in Python makes the match case-insensitive
for every script on both databases, which neither's LIKE does by itself.
"""

from sqlalchemy import ColumnElement
from sqlalchemy.orm import InstrumentedAttribute

ESCAPE = "\\"


def search_text(*values: str | None) -> str:
    return "\n".join(value.casefold() for value in values if value)


def contains(column: InstrumentedAttribute[str], term: str) -> ColumnElement[bool]:
    """`column` contains `term`, case-insensitively; % and _ in the term are literal."""
    escaped = (
        term.casefold()
        .replace(ESCAPE, ESCAPE * 2)
        .replace("%", ESCAPE + "%")
        .replace("_", ESCAPE + "_")
    )
    return column.like(f"%{escaped}%", escape=ESCAPE)
