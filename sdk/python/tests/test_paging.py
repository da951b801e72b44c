"""Auto-paging: a thousand objects made through the API, read back by iterating one list."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from faktura_sdk import AsyncFaktura, Faktura, models
from tests.server import Credentials, FakturaServer

COUNT = 1000


@pytest.fixture(scope="module")
def thousand_tags(
    server: FakturaServer, paging_account: Credentials
) -> tuple[Credentials, list[str]]:
    """The paging account's COUNT tags, made through the API 8 at a time."""
    credentials = paging_account

    async def make() -> list[str]:
        limit = asyncio.Semaphore(8)
        async with AsyncFaktura(credentials.api_key, server.base_url) as client:

            async def one(index: int) -> str:
                async with limit:
                    return (await client.tags.create(name=f"tag {index:04d}")).id

            return list(await asyncio.gather(*(one(i) for i in range(COUNT))))

    started = time.monotonic()
    ids = asyncio.run(make())
    print(f"created {COUNT} tags in {time.monotonic() - started:.1f} s")
    return credentials, ids


def test_iterating_a_list_walks_every_page_by_starting_after(
    server: FakturaServer, thousand_tags: tuple[Credentials, list[str]]
) -> None:
    credentials, created = thousand_tags
    requests: list[httpx.Request] = []
    with (
        httpx.Client(event_hooks={"request": [requests.append]}) as http,
        Faktura(credentials.api_key, server.base_url, http_client=http) as client,
    ):
        started = time.monotonic()
        first = client.tags.list(per_page=100)
        seen = [tag.id for tag in first]
        elapsed = time.monotonic() - started

    print(f"iterated {len(seen)} tags over {len(requests)} pages in {elapsed:.2f} s")
    assert first.total == COUNT
    assert len(first.data) == 100
    assert first.has_more is True
    assert len(seen) == COUNT
    assert set(seen) == set(created)
    assert seen == sorted(seen, reverse=True)  # newest first, ids time-ordered
    assert len(requests) == COUNT // 100
    assert "starting_after" not in requests[0].url.params
    for index, request in enumerate(requests[1:], start=1):
        assert request.url.params["starting_after"] == seen[index * 100 - 1]
        assert "page" not in request.url.params


def test_pages_one_at_a_time_and_backwards(
    server: FakturaServer, thousand_tags: tuple[Credentials, list[str]]
) -> None:
    credentials, _ = thousand_tags
    with Faktura(credentials.api_key, server.base_url) as client:
        pages = list(client.tags.list(per_page=100).iter_pages())
        assert [len(page.data) for page in pages] == [100] * 10
        assert pages[-1].has_more is False
        assert pages[-1].next_page() is None

        oldest = pages[-1].data[-1].id
        newer = client.tags.list(per_page=100, ending_before=oldest)
        walked_back = [tag.id for tag in newer]
        every = [tag.id for page in pages for tag in page.data]
        # Each page holds the objects just newer than the cursor, newest first; the next page
        # is the ones just newer than that page's newest.
        assert len(walked_back) == COUNT - 1
        assert walked_back[:100] == every[-101:-1]
        assert walked_back[100:200] == every[-201:-101]
        assert set(walked_back) == set(every[:-1])


def test_async_for_walks_every_page(
    server: FakturaServer, thousand_tags: tuple[Credentials, list[str]]
) -> None:
    credentials, created = thousand_tags

    async def walk() -> tuple[list[str], models.Tag]:
        async with AsyncFaktura(credentials.api_key, server.base_url) as client:
            seen = [tag.id async for tag in client.tags.list(per_page=100)]
            first = await client.tags.list(per_page=1)
            return seen, first.data[0]

    seen, newest = asyncio.run(walk())
    assert len(seen) == COUNT
    assert set(seen) == set(created)
    assert newest.id == seen[0]
