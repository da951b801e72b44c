"""Rate limits per API key and plan: per minute and per day, in memory or in Redis."""

import logging
import time
import uuid
from dataclasses import dataclass

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


class RateLimiter:
    """Fixed windows per key: one of a minute, one of a day. The minute is checked first."""

    def __init__(self, redis_url: str | None = None):
        storage = storage_from_string(storage_uri(redis_url))
        assert isinstance(storage, Storage)
        self.storage = storage
        self._limiter = FixedWindowRateLimiter(storage)

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
        identity = ("faktura", str(key_id))
        states: list[RateLimitState] = []
        for item in windows:
            try:
                allowed = await self._limiter.hit(item, *identity)
                stats = await self._limiter.get_window_stats(item, *identity)
            except Exception:
                # Counting is a guard, not the service: if its store (Redis) is down, requests
                # pass uncounted rather than fail.
                logger.warning("rate-limit store unavailable; request not counted", exc_info=True)
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

    async def reset(self) -> None:
        await self.storage.reset()
