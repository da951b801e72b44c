"""Page bounds, totals and keyset pages, shown on the list of API keys."""

from typing import Any

import pytest

from faktura.db import pagination
from tests.accounts.factories import ApiClient
from tests.assertions import assert_error


async def _make_keys(api: ApiClient, count: int) -> list[str]:
    ids = []
    for index in range(count):
        response = await api.post("/v1/api_keys", json={"name": f"key {index}"})
        assert response.status_code == 201
        ids.append(response.json()["id"])
    return ids


async def test_pages_are_newest_first_with_totals(api: ApiClient) -> None:
    created = await _make_keys(api, 6)  # plus the key the fixture made: 7 in all
    newest_first = list(reversed(created))

    first = (await api.get("/v1/api_keys?per_page=3")).json()
    second = (await api.get("/v1/api_keys?per_page=3&page=2")).json()
    third = (await api.get("/v1/api_keys?per_page=3&page=3")).json()

    assert [k["id"] for k in first["data"]] == newest_first[:3]
    assert (first["page"], first["per_page"], first["total"], first["has_more"]) == (1, 3, 7, True)
    assert [k["id"] for k in second["data"]] == newest_first[3:6]
    assert second["has_more"] is True
    assert len(third["data"]) == 1
    assert third["has_more"] is False


async def test_page_past_the_end_is_empty(api: ApiClient) -> None:
    body = (await api.get("/v1/api_keys?page=50")).json()
    assert body == {"data": [], "page": 50, "per_page": 25, "total": 1, "has_more": False}


async def test_default_page_size_is_25(api: ApiClient) -> None:
    await _make_keys(api, 25)
    body = (await api.get("/v1/api_keys")).json()
    assert (len(body["data"]), body["per_page"], body["total"], body["has_more"]) == (
        25,
        25,
        26,
        True,
    )


async def test_per_page_bounds(api: ApiClient) -> None:
    for query, field in (
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("page=0", "page"),
        ("per_page=abc", "per_page"),
    ):
        error = assert_error(await api.get(f"/v1/api_keys?{query}"), 422, "validation_error")
        assert error["details"][0]["field"] == field
    assert (await api.get("/v1/api_keys?per_page=100")).status_code == 200


async def test_keyset_pages_walk_the_whole_list(api: ApiClient) -> None:
    created = await _make_keys(api, 9)
    expected = [*reversed(created), None]  # the fixture's key is the oldest

    seen: list[str] = []
    cursor = None
    while True:
        query = "per_page=4" + (f"&starting_after={cursor}" if cursor else "")
        body = (await api.get(f"/v1/api_keys?{query}")).json()
        seen += [k["id"] for k in body["data"]]
        if not body["has_more"]:
            break
        cursor = body["data"][-1]["id"]

    assert len(seen) == 10
    assert len(set(seen)) == 10
    assert seen[:9] == expected[:9]
    with_page = await api.get(f"/v1/api_keys?per_page=2&page=3&starting_after={created[5]}")
    assert [k["id"] for k in with_page.json()["data"]] == [created[4], created[3]]
    assert with_page.json()["page"] == 1
    assert with_page.json()["total"] is None  # keyset pages never count


async def test_ending_before_walks_the_list_backwards(api: ApiClient) -> None:
    created = await _make_keys(api, 9)
    newest_first = list(reversed(created))

    seen: list[str] = []
    cursor = created[0]  # the oldest made here: walk back up to the newest
    while True:
        body = (await api.get(f"/v1/api_keys?per_page=3&ending_before={cursor}")).json()
        seen = [k["id"] for k in body["data"]] + seen
        assert body["page"] == 1
        assert body["total"] is None
        if not body["has_more"]:
            break
        cursor = body["data"][0]["id"]
    both = await api.get(f"/v1/api_keys?starting_after={created[3]}&ending_before={created[5]}")

    assert seen == newest_first[:8]
    assert len(set(seen)) == 8
    assert_error(both, 422, "validation_error")
    assert both.json()["error"]["details"][0]["field"] == "ending_before"


async def test_email_templates_page_backwards_too(api: ApiClient) -> None:
    listed = (await api.get("/v1/email_templates?per_page=100")).json()["data"]
    ids = [t["id"] for t in listed]

    back = (await api.get(f"/v1/email_templates?per_page=2&ending_before={ids[5]}")).json()
    first = (await api.get(f"/v1/email_templates?per_page=2&ending_before={ids[1]}")).json()

    assert [t["id"] for t in back["data"]] == ids[3:5]
    assert back["has_more"] is True
    assert [t["id"] for t in first["data"]] == ids[:1]
    assert first["has_more"] is False


async def test_a_last_page_tells_its_total_and_a_count_stops_at_the_limit(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _make_keys(api, 6)  # 7 keys with the fixture's
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 5)

    def summary(body: dict[str, Any]) -> tuple[int, int | None, bool]:
        return len(body["data"]), body["total"], body["has_more"]

    # The last page and a page that holds everything know the total without counting.
    assert summary((await api.get("/v1/api_keys?per_page=3&page=3")).json()) == (1, 7, False)
    assert summary((await api.get("/v1/api_keys?per_page=10")).json()) == (7, 7, False)
    # Earlier pages count, up to the limit: past it the total is not known.
    assert summary((await api.get("/v1/api_keys?per_page=3")).json()) == (3, None, True)
    exact = (await api.get("/v1/api_keys?per_page=3&include_total=true")).json()
    assert summary(exact) == (3, 7, True)
    past_the_end = (await api.get("/v1/api_keys?per_page=3&page=9&include_total=true")).json()
    assert summary(past_the_end) == (0, 7, False)
    past_the_limit = (await api.get("/v1/api_keys?per_page=3&page=9")).json()
    assert summary(past_the_limit) == (0, None, False)

    monkeypatch.setattr(pagination, "COUNT_LIMIT", 7)
    assert summary((await api.get("/v1/api_keys?per_page=3")).json()) == (3, 7, True)
    assert_error(await api.get("/v1/api_keys?include_total=maybe"), 422, "validation_error")
