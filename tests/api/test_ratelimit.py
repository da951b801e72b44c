"""Rate limits per key and plan, in memory and in the real Redis."""

import asyncio
import logging
import socket
from collections.abc import AsyncIterator

import httpx
import pytest

from faktura.app import create_app
from faktura.config import Settings
from tests.accounts.factories import ApiClient, add_key, create_account_with_key
from tests.assertions import assert_error
from tests.listeners import closed_port, silent_listener

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(params=["memory", "redis"])
async def limited_app(
    request: pytest.FixtureRequest, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    if request.param == "redis" and not _redis_reachable():
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    redis_url = REDIS_URL if request.param == "redis" else None
    # A store slower than the limiter's bound lets requests pass uncounted (by design, tested
    # below with a store that is down); these tests count, so a busy machine's slow connect
    # must not turn a count into a pass.
    update = {"redis_url": redis_url, "rate_limit_timeout_seconds": 10.0}
    app = create_app(settings.model_copy(update=update))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        client.app = app  # type: ignore[attr-defined]
        yield client
    await app.state.runtime.db.dispose()


async def test_basic_plan_allows_60_a_minute_then_429(limited_app: httpx.AsyncClient) -> None:
    db = limited_app.app.state.runtime.db  # type: ignore[attr-defined]
    api = await create_account_with_key(db, limited_app, plan="basic")

    remaining = []
    for _ in range(60):
        response = await api.get("/v1/account")
        assert response.status_code == 200
        assert response.headers["x-ratelimit-limit"] == "60"
        remaining.append(int(response.headers["x-ratelimit-remaining"]))
    assert remaining == list(range(59, -1, -1))

    refused = await api.get("/v1/account")
    error = assert_error(refused, 429, "rate_limited")
    assert "60 requests per minute" in str(error["message"])
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert int(refused.headers["x-ratelimit-reset"]) > 0


async def test_limits_are_per_key(limited_app: httpx.AsyncClient) -> None:
    db = limited_app.app.state.runtime.db  # type: ignore[attr-defined]
    api = await create_account_with_key(db, limited_app, plan="basic")
    for _ in range(61):
        await api.get("/v1/account")
    other = api.with_key(await add_key(db, api.account_id, plan="basic"))

    response = await other.get("/v1/account")
    assert response.status_code == 200
    assert response.headers["x-ratelimit-remaining"] == "59"


async def test_pro_plan_header_and_unlimited_has_none(api: ApiClient) -> None:
    db = api.http._transport.app.state.runtime.db  # type: ignore[attr-defined]
    pro = api.with_key(await add_key(db, api.account_id, plan="pro"))
    response = await pro.get("/v1/account")
    assert response.headers["x-ratelimit-limit"] == "120"
    assert response.headers["x-ratelimit-remaining"] == "119"

    unlimited = await api.get("/v1/account")
    assert "x-ratelimit-limit" not in unlimited.headers


async def test_the_day_window_refuses_once_spent(
    limited_app: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from faktura.api import ratelimit

    monkeypatch.setitem(ratelimit.PLAN_LIMITS, "basic", (100, 3))
    db = limited_app.app.state.runtime.db  # type: ignore[attr-defined]
    api = await create_account_with_key(db, limited_app, plan="basic")

    answers = [await api.get("/v1/account") for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["x-ratelimit-limit"] for a in answers[:3]] == ["3", "3", "3"]
    assert [a.headers["x-ratelimit-remaining"] for a in answers[:3]] == ["2", "1", "0"]
    error = assert_error(answers[3], 429, "rate_limited")
    assert "3 requests per day" in str(error["message"])


async def test_requests_pass_uncounted_when_the_store_is_down(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        api = await create_account_with_key(app.state.runtime.db, client, plan="basic")
        response = await api.get("/v1/account")
    await app.state.runtime.db.dispose()

    assert response.status_code == 200
    assert "x-ratelimit-limit" not in response.headers


async def _limited_by(settings: Settings, redis_url: str) -> tuple[object, httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"redis_url": redis_url}))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
    return app, client


async def test_a_redis_that_never_answers_delays_requests_by_its_timeout_at_most(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """More concurrent requests than the pool has connections: none waits on the hung store."""
    with silent_listener() as port:
        app, client = await _limited_by(settings, f"redis://127.0.0.1:{port}/0")
        db = app.state.runtime.db  # type: ignore[attr-defined]
        async with client:
            limited = await create_account_with_key(db, client, plan="basic")
            unlimited = limited.with_key(await add_key(db, limited.account_id, plan="unlimited"))
            with caplog.at_level(logging.WARNING, logger="faktura.ratelimit"):
                answers = await asyncio.wait_for(
                    asyncio.gather(
                        *(limited.get("/v1/account") for _ in range(40)),
                        unlimited.get("/v1/account"),
                    ),
                    timeout=30,  # a bound that ends a hang, not a timing
                )
        await db.dispose()

    assert [response.status_code for response in answers] == [200] * 41
    assert all("x-ratelimit-limit" not in response.headers for response in answers)
    warnings = [r for r in caplog.records if r.name == "faktura.ratelimit"]
    assert len(warnings) == 1
    assert warnings[0].exc_info is None


async def test_a_refused_redis_is_one_warning_not_one_per_request(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    app, client = await _limited_by(settings, f"redis://127.0.0.1:{closed_port()}/0")
    db = app.state.runtime.db  # type: ignore[attr-defined]
    async with client:
        api = await create_account_with_key(db, client, plan="basic")
        with caplog.at_level(logging.WARNING, logger="faktura.ratelimit"):
            statuses = [(await api.get("/v1/account")).status_code for _ in range(10)]
    await db.dispose()

    assert statuses == [200] * 10
    warnings = [r for r in caplog.records if r.name == "faktura.ratelimit"]
    assert [w.getMessage().startswith("rate-limit store unavailable") for w in warnings] == [True]
    assert warnings[0].exc_info is None
