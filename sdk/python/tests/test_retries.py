"""Retries: which failures are tried again, with the same Idempotency-Key, and how long the SDK
waits. Against a scripted loopback server, so each failure happens exactly when wanted."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

import faktura_sdk
from faktura_sdk import AsyncFaktura, Faktura
from faktura_sdk._base_client import BaseClient
from tests.scripted import DROP, TAG, Answer, ScriptedServer, error

KEY = "fk_test_" + "a" * 32


def client_for(server: ScriptedServer, **settings: float) -> Faktura:
    return Faktura(KEY, server.base_url, initial_retry_delay=0.01, **settings)  # type: ignore[arg-type]


def test_a_post_that_fails_twice_is_sent_three_times_with_one_idempotency_key() -> None:
    script = (error(503, "service_unavailable"), DROP, Answer(201, TAG))
    with ScriptedServer(*script) as server, client_for(server) as client:
        tag = client.tags.create(name="vip")

        assert tag.name == "vip"
        assert [seen.method for seen in server.seen] == ["POST"] * 3
        keys = {seen.headers["idempotency-key"] for seen in server.seen}
        assert len(keys) == 1
        assert keys.pop().startswith("sdk-")
        assert len({seen.body for seen in server.seen}) == 1
        assert client.last_response is not None
        assert client.last_response.attempts == 3
        assert client.last_response.status_code == 201


def test_429_waits_its_retry_after_and_sends_the_same_key() -> None:
    script = (error(429, "rate_limited", **{"Retry-After": "1"}), Answer(201, TAG))
    with ScriptedServer(*script) as server, client_for(server) as client:
        started = time.monotonic()
        client.tags.create(name="vip", idempotency_key="tag-vip-1")
        waited = time.monotonic() - started

        assert [seen.headers["idempotency-key"] for seen in server.seen] == ["tag-vip-1"] * 2
        assert 1.0 <= waited < 5


def test_a_conflict_in_flight_is_retried_but_an_idempotency_conflict_is_not() -> None:
    with ScriptedServer(error(409, "conflict"), Answer(201, TAG)) as server:
        with client_for(server) as client:
            client.tags.create(name="vip")
        assert len(server.seen) == 2

    with ScriptedServer(error(409, "idempotency_conflict")) as server:
        with client_for(server) as client, pytest.raises(faktura_sdk.IdempotencyConflictError):
            client.tags.create(name="vip")
        assert len(server.seen) == 1


def test_after_max_retries_the_last_error_is_raised() -> None:
    script = [error(503, "service_unavailable")] * 3
    with ScriptedServer(*script) as server, client_for(server, max_retries=2) as client:
        with pytest.raises(faktura_sdk.ServiceUnavailableError) as raised:
            client.tags.retrieve(TAG["id"])
        assert len(server.seen) == 3
        assert raised.value.status == 503
        assert raised.value.code == "service_unavailable"
        assert raised.value.request_id == "req_s"
        assert "idempotency-key" not in server.seen[0].headers  # GET needs none


def test_max_retries_zero_and_per_call_max_retries() -> None:
    script = (error(500, "internal_error"), error(500, "internal_error"))
    with ScriptedServer(*script) as server, client_for(server, max_retries=0) as client:
        with pytest.raises(faktura_sdk.InternalServerError):
            client.tags.list()
        assert len(server.seen) == 1
        with pytest.raises(faktura_sdk.InternalServerError):
            client.with_options(max_retries=3).tags.list(max_retries=0)
        assert len(server.seen) == 2


def test_client_errors_are_not_retried() -> None:
    body = {
        "error": {
            "code": "validation_error",
            "message": "name: Field required",
            "status": 422,
            "request_id": "req_v",
            "details": [{"field": "name", "message": "Field required"}],
        }
    }
    with ScriptedServer(Answer(422, body)) as server, client_for(server) as client:
        with pytest.raises(faktura_sdk.ValidationError) as raised:
            client.tags.create(name="")
        assert len(server.seen) == 1
        assert raised.value.param == "name"
        assert raised.value.details[0].message == "Field required"


def test_a_server_that_cannot_be_reached_is_an_api_connection_error() -> None:
    with ScriptedServer() as server:
        base_url = server.base_url  # closed when the block ends: nothing listens there after
    with Faktura(KEY, base_url, max_retries=1, initial_retry_delay=0.01) as client:
        with pytest.raises(faktura_sdk.APIConnectionError) as raised:
            client.tags.list()
        assert raised.value.status is None


def test_the_async_client_retries_with_one_key_too() -> None:
    async def run(server: ScriptedServer) -> None:
        async with AsyncFaktura(KEY, server.base_url, initial_retry_delay=0.01) as client:
            tag = await client.tags.create(name="vip")
            assert tag.id == TAG["id"]

    with ScriptedServer(error(502, "bad_gateway"), DROP, Answer(201, TAG)) as server:
        asyncio.run(run(server))
        assert len(server.seen) == 3
        assert len({seen.headers["idempotency-key"] for seen in server.seen}) == 1


def test_back_off_doubles_with_jitter_and_honours_retry_after() -> None:
    client = Faktura(KEY, "http://127.0.0.1:9", initial_retry_delay=0.5, max_retry_delay=8)
    base: BaseClient = client
    for attempt, ceiling in enumerate([0.5, 1, 2, 4, 8, 8]):
        delay = base._retry_delay(attempt, None)
        assert ceiling * 0.75 <= delay <= ceiling
    answer = httpx.Response(429, headers={"Retry-After": "7"})
    assert base._retry_delay(0, answer) == 7
    dated = httpx.Response(503, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert base._retry_delay(0, dated) == 0  # a date in the past: at once
    too_long = httpx.Response(429, headers={"Retry-After": "3600"})
    assert not base._should_retry(too_long, faktura_sdk.RateLimitError("x", status=429))


def test_a_request_that_cannot_be_sent_is_not_retried() -> None:
    seen: list[httpx.Request] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        raise httpx.LocalProtocolError("Illegal header value")

    http = httpx.Client(transport=httpx.MockTransport(refuse))
    client = Faktura(KEY, "http://faktura.test", http_client=http, initial_retry_delay=30)
    with pytest.raises(faktura_sdk.APIConnectionError, match="Illegal header"):
        client.tags.list()
    assert len(seen) == 1
