"""Page-number and keyset pagination of a query, the same for every list."""

import uuid
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ScalarSelect, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

T = TypeVar("T")

# A numbered page counts its matches up to this many; past it `total` is null unless the
# caller asks for the exact figure (`include_total`): a count reads every match it counts.
COUNT_LIMIT = 1_000


@dataclass(frozen=True, slots=True)
class PageParams:
    page: int
    per_page: int
    starting_after: uuid.UUID | None
    include_total: bool = False


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int | None  # not counted on keyset pages, nor past COUNT_LIMIT unless asked
    has_more: bool

    def as_response(self, items: list[Any] | None = None) -> dict[str, Any]:
        return {
            "data": self.items if items is None else items,
            "page": self.page,
            "per_page": self.per_page,
            "total": self.total,
            "has_more": self.has_more,
        }


async def paginate(
    session: AsyncSession,
    statement: Select[Any],
    id_column: InstrumentedAttribute[uuid.UUID],
    params: PageParams,
    *,
    rows: bool = False,
) -> Page[Any]:
    """Newest first: ids are UUIDv7, so descending id is descending creation, ties impossible.
    The items are the statement's entities, or its rows with `rows` (a Core select).

    `total` costs a count, which reads every match; so it is used only when the page itself
    does not tell it (a last page does: what came before plus what it holds), counts only up to
    COUNT_LIMIT matches (above, total is null) unless `include_total` asks for the exact
    figure, and is never taken on keyset pages (`starting_after`), which walk deep lists at the
    cost of the first page. A numbered page asks for the count in the same statement (a
    subquery the database runs once), not in a second round trip; rows of a Core select then
    carry it as a `matches` column.
    """
    ordered = statement.order_by(id_column.desc()).limit(params.per_page + 1)
    counted = params.starting_after is None
    if counted:
        ordered = ordered.offset((params.page - 1) * params.per_page).add_columns(
            _matches(statement, id_column, params.include_total).label("matches")
        )
        page = params.page
    else:
        ordered = ordered.where(id_column < params.starting_after)
        page = 1
    result = (await session.execute(ordered)).all()
    found = list(result) if rows else [row[0] for row in result]
    has_more = len(found) > params.per_page
    total: int | None = None
    if counted:
        if not has_more and (found or page == 1):
            total = (page - 1) * params.per_page + len(found)
        else:
            matches = (
                result[0].matches
                if result
                else await _count(session, statement, id_column, params.include_total)
            )
            total = None if matches > COUNT_LIMIT and not params.include_total else matches
    return Page(found[: params.per_page], page, params.per_page, total, has_more)


def _matches(
    statement: Select[Any], id_column: InstrumentedAttribute[uuid.UUID], exact: bool
) -> ScalarSelect[int]:
    """How many rows match, up to COUNT_LIMIT + 1 unless `exact`. Counted on the ids alone:
    an index can answer it without reading the rows the page shows."""
    matches = statement.with_only_columns(id_column).order_by(None)
    if not exact:
        matches = matches.limit(COUNT_LIMIT + 1)
    return select(func.count()).select_from(matches.subquery()).scalar_subquery()


async def _count(
    session: AsyncSession,
    statement: Select[Any],
    id_column: InstrumentedAttribute[uuid.UUID],
    exact: bool,
) -> int:
    """The count alone, for a page past the last one (it has no row to carry it)."""
    counted: int = (
        await session.execute(select(_matches(statement, id_column, exact)))
    ).scalar_one()
    return counted
