"""Rate limits per API key and plan: per minute and per day, in memory or in Redis.

Counting guards the service; it is not the service. When the store (Redis) does not answer
within `timeout` seconds, or refuses, the request passes uncounted, the store is left alone for
`RETRY_STORE_AFTER` seconds (requests pass at once meanwhile), and one warning is logged per
`WARN_EVERY` seconds however many requests pass uncounted.
"""

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, RateLimitItemPerDay, RateLimitItemPerMinute
from limits.aio.storage import Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.storage import storage_from_string

from faktura.core.errors import RateLimited

logger = logging.getLogger("faktura.ratelimit")

# (per minute, per day); None is no limit.
PLAN_LIMITS: dict[str, tuple[int, int] | None] = {
    "basic": (60, 10_000),
    "pro": (120, 50_000),
    "enterprise": (300, 200_000),
    "unlimited": None,
}


@dataclass(frozen=True, slots=True)
class RateLimitState:
    limit: int
    remaining: int
    reset: int  # unix seconds when the binding window resets

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


def storage_uri(redis_url: str | None) -> str:
    if not redis_url:
        return "async+memory://"
    return redis_url if redis_url.startswith("async+") else f"async+{redis_url}"


RETRY_STORE_AFTER = 5.0
WARN_EVERY = 60.0


class RateLimiter:
    """Fixed windows per key: one of a minute, one of a day. The minute is checked first."""

    def __init__(self, redis_url: str | None = None, timeout: float = 0.25):
        options: dict[str, Any] = {}
        if redis_url:
            # redis-py's asyncio client, with socket timeouts as a second bound under wait_for.
            options = {
                "implementation": "redispy",
                "socket_timeout": timeout,
                "socket_connect_timeout": timeout,
            }
        storage = storage_from_string(storage_uri(redis_url), **options)
        assert isinstance(storage, Storage)
        self.storage = storage
        self.timeout = timeout
        self._limiter = FixedWindowRateLimiter(storage)
        self._store_down_until = 0.0
        self._warned_at: float | None = None
        self.uncounted = 0  # requests let through uncounted since the last warning

    def _store_failed(self, error: BaseException) -> None:
        now = time.monotonic()
        self._store_down_until = now + RETRY_STORE_AFTER
        self.uncounted += 1
        if self._warned_at is None or now - self._warned_at >= WARN_EVERY:
            self._warned_at = now
            reason = str(error) or type(error).__name__
            logger.warning(
                "rate-limit store unavailable (%s); requests pass uncounted, retried every %g s",
                reason,
                RETRY_STORE_AFTER,
            )

    async def _count(self, item: RateLimitItem, identity: tuple[str, str]) -> tuple[bool, Any]:
        allowed = await self._limiter.hit(item, *identity)
        stats = await self._limiter.get_window_stats(item, *identity)
        return allowed, stats

    async def hit(self, key_id: uuid.UUID, plan: str) -> RateLimitState | None:
        """Count one request; raise RateLimited when a window is full. None for no limit."""
        limits = PLAN_LIMITS.get(plan)
        if limits is None:
            return None
        per_minute, per_day = limits
        windows: list[RateLimitItem] = [
            RateLimitItemPerMinute(per_minute),
            RateLimitItemPerDay(per_day),
        ]
        if time.monotonic() < self._store_down_until:
            self.uncounted += 1
            return None
        identity = ("faktura", str(key_id))
        states: list[RateLimitState] = []
        for item in windows:
            try:
                allowed, stats = await asyncio.wait_for(self._count(item, identity), self.timeout)
            except Exception as error:  # any failure of the store fails open
                self._store_failed(error)
                return None
            state = RateLimitState(item.amount, max(0, stats.remaining), int(stats.reset_time))
            if not allowed:
                retry_after = max(1, state.reset - int(time.time()))
                raise RateLimited(
                    retry_after,
                    f"Rate limit of {item.amount} requests per {item.GRANULARITY.name} "
                    f"exceeded; retry in {retry_after} s",
                    headers=state.headers(),
                )
            states.append(state)
        return min(states, key=lambda s: (s.remaining, -s.limit))

    async def hit_minute(self, name: str, identity: str, per_minute: int) -> None:
        """Count one request of `identity` against a window of its own (`name`): the hosted
        payment page's per link and address, say. Raises RateLimited when it is full; fails
        open as `hit` does."""
        if time.monotonic() < self._store_down_until:
            self.uncounted += 1
            return
        item = RateLimitItemPerMinute(per_minute)
        try:
            allowed, stats = await asyncio.wait_for(
                self._count(item, (name, identity)), self.timeout
            )
        except Exception as error:  # any failure of the store fails open
            self._store_failed(error)
            return
        if not allowed:
            retry_after = max(1, int(stats.reset_time) - int(time.time()))
            raise RateLimited(retry_after, f"More than {per_minute} requests a minute")

    async def reset(self) -> None:
        await self.storage.reset()
