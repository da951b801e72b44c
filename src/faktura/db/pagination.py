"""Page-number and keyset pagination of a query, the same for every list."""

import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    ColumnElement,
    FunctionElement,
    ScalarSelect,
    Select,
    UnaryExpression,
    and_,
    func,
    literal,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.compiler import SQLCompiler

from faktura.core.tenant import Tenant
from faktura.db.base import TenantMixin

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
    ending_before: uuid.UUID | None = None


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
    if params.ending_before is not None:
        return await _page_before(session, statement, id_column, params, rows)
    ordered = statement.order_by(*_newest_first(id_column)).limit(params.per_page + 1)
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


async def _page_before(
    session: AsyncSession,
    statement: Select[Any],
    id_column: InstrumentedAttribute[uuid.UUID],
    params: PageParams,
    rows: bool,
) -> Page[Any]:
    """The page of objects just newer than `ending_before`, newest first: walking a list
    backwards. `has_more` says whether still newer ones exist."""
    ordered = (
        statement.where(id_column > params.ending_before)
        .order_by(*(term.element.asc() for term in _newest_first(id_column)))
        .limit(params.per_page + 1)
    )
    result = (await session.execute(ordered)).all()
    found = list(result) if rows else [row[0] for row in result]
    has_more = len(found) > params.per_page
    return Page(found[: params.per_page][::-1], 1, params.per_page, None, has_more)


@lru_cache(maxsize=4096)  # an expression is immutable: one per table and tenant serves all
def tenant_rows(model: type[TenantMixin], tenant: Tenant) -> ColumnElement[bool]:
    """The tenant's rows, written for a list that `paginate` orders: `account_id = ANY
    (ARRAY[:id])` on PostgreSQL, plain equality on SQLite.

    With `account_id = :id` PostgreSQL takes the account as a constant and drops it from the
    page's order (account, id), leaving `id` alone, which the primary key also gives. When
    other accounts wrote the newest rows of a table in which this account holds most, its
    estimate then prefers walking the primary key backwards and skipping them one by one
    (thousands of rows for page 1) to the account's own index. Matched through ANY, the account
    stays in the order, which only the indexes that begin with it provide. Either way the
    rows and their order are the same: one account, newest first.

    For tables whose lists go through an index beginning with the account (account, mode, …,
    id). A list read through another index — a webhook endpoint's deliveries — compares the
    account by equality, so that index still gives the order; a handful of rows read by their
    parent (a customer's contacts) is sorted, which costs nothing.
    """
    return and_(
        _AnyOf(model.account_id, literal(tenant.account_id, model.account_id.type)),
        model.livemode == tenant.livemode,
    )


class _AnyOf(FunctionElement[bool]):
    """`column = ANY (ARRAY[value])` on PostgreSQL, `column = value` elsewhere. (Untyped: as a
    Boolean, SQLite would be sent `column = value = 1`.)"""

    inherit_cache = True
    name = "any_of"


@compiles(_AnyOf)
def _equal(element: _AnyOf, compiler: SQLCompiler, **kw: Any) -> str:
    column, value = element.clauses
    return f"{compiler.process(column, **kw)} = {compiler.process(value, **kw)}"


@compiles(_AnyOf, "postgresql")
def _any(element: _AnyOf, compiler: SQLCompiler, **kw: Any) -> str:
    column, value = element.clauses
    return f"{compiler.process(column, **kw)} = ANY (ARRAY[{compiler.process(value, **kw)}])"


def _newest_first(id_column: InstrumentedAttribute[uuid.UUID]) -> tuple[UnaryExpression[Any], ...]:
    """Descending id; for a tenant's rows, the account first (see `tenant_rows`: a list that
    compares the account by equality loses nothing, the database drops that term)."""
    model = id_column.class_
    if isinstance(model, type) and issubclass(model, TenantMixin):
        return (model.account_id.desc(), id_column.desc())
    return (id_column.desc(),)


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
