"""Pages of a list, and iteration over every object of every page.

A list answers `{"data": [...], "page", "per_page", "total", "has_more"}`, newest first.
Iterating a page walks on through the following ones by keyset — `starting_after=<id of the last
object>` — which costs the server the same on page 10,000 as on page 1 and neither skips nor
repeats an object when new ones are created meanwhile. A list started with `ending_before` walks
the other way, towards newer objects.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from . import _json
from ._base_client import RequestOptions, clean, parse_as

if TYPE_CHECKING:
    from ._base_client import AsyncAPIClient, SyncAPIClient

T = TypeVar("T")


class _Page(Generic[T]):
    data: list[T]
    page: int
    per_page: int
    total: int | None
    has_more: bool

    def __init__(
        self,
        *,
        operation_id: str,
        path: str,
        query: Mapping[str, Any],
        options: RequestOptions,
        item: Any,
        body: Any,
    ) -> None:
        self._operation_id = operation_id
        self._path = path
        self._query = clean(query)
        self._options = options
        self._item = item
        self.data = [parse_as(item, obj) for obj in body.get("data", [])]
        self.page = body.get("page", 1)
        self.per_page = body.get("per_page", len(self.data))
        self.total = body.get("total")
        self.has_more = bool(body.get("has_more"))

    def _next_query(self) -> dict[str, Any] | None:
        if not self.has_more or not self.data:
            return None
        query = dict(self._query)
        if query.get("ending_before") is not None:
            first = _id_of(self.data[0])
            if first is None:
                return None
            query["ending_before"] = first
            return query
        last = _id_of(self.data[-1])
        if last is None:  # objects without an id: numbered pages
            query["page"] = self.page + 1
            return query
        query.pop("page", None)
        query["starting_after"] = last
        return query

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} of {len(self.data)} page={self.page} "
            f"total={self.total} has_more={self.has_more}>"
        )


def _id_of(obj: Any) -> str | None:
    value = getattr(obj, "id", None)
    if value is None and isinstance(obj, Mapping):
        value = obj.get("id")
    return None if value is None else str(value)


class SyncPage(_Page[T]):
    """One page (`data`, `has_more`, `total`…); iterating it yields every object of this page
    and the pages after it, fetching them as needed."""

    def __init__(self, client: SyncAPIClient, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._client = client

    def next_page(self) -> SyncPage[T] | None:
        query = self._next_query()
        if query is None:
            return None
        response = self._client.send(
            self._operation_id, "GET", self._path, query, None, False, self._options
        )
        return SyncPage(
            self._client,
            operation_id=self._operation_id,
            path=self._path,
            query=query,
            options=self._options,
            item=self._item,
            body=_json.loads(response.content),
        )

    def iter_pages(self) -> Iterator[SyncPage[T]]:
        page: SyncPage[T] | None = self
        while page is not None:
            yield page
            page = page.next_page()

    def __iter__(self) -> Iterator[T]:
        for page in self.iter_pages():
            yield from page.data


class AsyncPage(_Page[T]):
    """One page; `async for` over it yields every object of this page and the ones after it."""

    def __init__(self, client: AsyncAPIClient, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._client = client

    async def next_page(self) -> AsyncPage[T] | None:
        query = self._next_query()
        if query is None:
            return None
        response = await self._client.send(
            self._operation_id, "GET", self._path, query, None, False, self._options
        )
        return AsyncPage(
            self._client,
            operation_id=self._operation_id,
            path=self._path,
            query=query,
            options=self._options,
            item=self._item,
            body=_json.loads(response.content),
        )

    async def iter_pages(self) -> AsyncIterator[AsyncPage[T]]:
        page: AsyncPage[T] | None = self
        while page is not None:
            yield page
            page = await page.next_page()

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.iter_pages():
            for obj in page.data:
                yield obj


class AsyncPaginator(Generic[T]):
    """What an async list method returns: `await` it for the first page, or `async for` over it
    for every object of every page."""

    def __init__(
        self,
        client: AsyncAPIClient,
        *,
        operation_id: str,
        path: str,
        query: Mapping[str, Any],
        options: RequestOptions,
        item: Any,
    ) -> None:
        self._client = client
        self._operation_id = operation_id
        self._path = path
        self._query = query
        self._options = options
        self._item = item

    async def _first(self) -> AsyncPage[T]:
        response = await self._client.send(
            self._operation_id, "GET", self._path, self._query, None, False, self._options
        )
        return AsyncPage(
            self._client,
            operation_id=self._operation_id,
            path=self._path,
            query=self._query,
            options=self._options,
            item=self._item,
            body=_json.loads(response.content),
        )

    def __await__(self) -> Generator[Any, None, AsyncPage[T]]:
        return self._first().__await__()

    async def __aiter__(self) -> AsyncIterator[T]:
        page = await self._first()
        async for obj in page:
            yield obj


def sync_page(
    client: SyncAPIClient,
    operation_id: str,
    path: str,
    *,
    item: Any,
    query: Mapping[str, Any],
    options: RequestOptions,
) -> SyncPage[Any]:
    response = client.send(operation_id, "GET", path, query, None, False, options)
    return SyncPage(
        client,
        operation_id=operation_id,
        path=path,
        query=query,
        options=options,
        item=item,
        body=_json.loads(response.content),
    )
