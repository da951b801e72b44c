"""The pagination query parameters every list accepts."""

import uuid

from fastapi import Query

from faktura.core.errors import ValidationFailed
from faktura.db.pagination import COUNT_LIMIT, Page, PageParams, paginate

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
MAX_PAGE = 1_000_000  # deeper than this, use starting_after

__all__ = ["Page", "PageParams", "page_params", "paginate"]


async def page_params(
    page: int = Query(1, ge=1, le=MAX_PAGE, description="Page number, 1-based"),
    per_page: int | None = Query(
        None,
        ge=1,
        le=MAX_PER_PAGE,
        description=f"Objects per page (1–100, {DEFAULT_PER_PAGE} if omitted)",
    ),
    limit: int | None = Query(
        None, ge=1, le=MAX_PER_PAGE, description="The same as per_page (Stripe's name for it)"
    ),
    starting_after: uuid.UUID | None = Query(
        None,
        description="Keyset cursor: the id of the last object already seen. The next "
        "page is returned at the cost of the first, and `page` is ignored.",
    ),
    ending_before: uuid.UUID | None = Query(
        None,
        description="Keyset cursor backwards: the id of the first object of the page you have; "
        "the objects just newer than it, still newest first. `has_more` then says whether newer "
        "ones remain.",
    ),
    include_total: bool = Query(
        False,
        description=f"Count every match for `total`. Without it a numbered page counts up to "
        f"{COUNT_LIMIT:,} matches and answers total null beyond; keyset pages never count.",
    ),
) -> PageParams:
    if per_page is not None and limit is not None and per_page != limit:
        raise ValidationFailed.on_field("limit", "per_page and limit differ; give one")
    if starting_after is not None and ending_before is not None:
        raise ValidationFailed.on_field("ending_before", "give starting_after or ending_before")
    size = per_page or limit or DEFAULT_PER_PAGE
    return PageParams(page, size, starting_after, include_total, ending_before)
