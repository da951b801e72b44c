"""`client.with_raw_response`: the same methods, answering the parsed object together with the
response it came in (status, headers)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, ParamSpec, TypeVar

import httpx

from ._base_client import APIResponse, BaseClient

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class RawResponse(Generic[R]):
    """`parsed` is what the method returns; the rest describes the response it came in."""

    parsed: R
    response: APIResponse

    def parse(self) -> R:
        return self.parsed

    @property
    def status_code(self) -> int:
        return self.response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.response.headers

    @property
    def request_id(self) -> str | None:
        return self.response.request_id

    @property
    def idempotent_replayed(self) -> bool:
        return self.response.idempotent_replayed

    @property
    def http_response(self) -> httpx.Response:
        return self.response.http_response


def _last(client: BaseClient) -> APIResponse:
    response = client.last_response
    assert response is not None  # the call just made set it, in this thread or task
    return response


def raw_response_wrapper(func: Callable[P, R], client: BaseClient) -> Callable[P, RawResponse[R]]:
    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> RawResponse[R]:
        parsed = func(*args, **kwargs)
        return RawResponse(parsed, _last(client))

    return wrapper


def async_raw_response_wrapper(
    func: Callable[P, Awaitable[R]], client: BaseClient
) -> Callable[P, Awaitable[RawResponse[R]]]:
    @functools.wraps(func)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> RawResponse[R]:
        parsed = await func(*args, **kwargs)
        return RawResponse(parsed, _last(client))

    return wrapper
