"""The pagination query parameters every list accepts."""

import uuid

from fastapi import Query

from faktura.db.pagination import Page, PageParams, paginate

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
MAX_PAGE = 1_000_000  # deeper than this, use starting_after

__all__ = ["Page", "PageParams", "page_params", "paginate"]


def page_params(
    page: int = Query(1, ge=1, le=MAX_PAGE, description="Page number, 1-based"),
    per_page: int = Query(
        DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE, description="Objects per page (1–100)"
    ),
    starting_after: uuid.UUID | None = Query(
        None,
        description="Keyset cursor: the id of the last object already seen. The next "
        "page is returned at the cost of the first, and `page` is ignored.",
    ),
) -> PageParams:
    return PageParams(page, per_page, starting_after)
