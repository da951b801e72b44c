"""Page-number and keyset pagination of a query, the same for every list."""

import uuid
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageParams:
    page: int
    per_page: int
    starting_after: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int | None  # not counted on keyset pages
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
) -> Page[Any]:
    """Newest first: ids are UUIDv7, so descending id is descending creation, ties impossible.

    Keyset pages (`starting_after`) are for walking deep lists at the cost of the first page,
    so they do not count the matches: a count reads every match, page 10,000 or not.
    """
    total: int | None = None
    if params.starting_after is None:
        total = (
            await session.execute(
                select(func.count()).select_from(statement.order_by(None).subquery())
            )
        ).scalar_one()
    ordered = statement.order_by(id_column.desc()).limit(params.per_page + 1)
    if params.starting_after is not None:
        ordered = ordered.where(id_column < params.starting_after)
        page = 1
    else:
        ordered = ordered.offset((params.page - 1) * params.per_page)
        page = params.page
    rows = list((await session.execute(ordered)).scalars().all())
    return Page(rows[: params.per_page], page, params.per_page, total, len(rows) > params.per_page)
