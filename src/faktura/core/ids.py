"""Time-ordered identifiers (UUID version 7, RFC 9562)."""

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_last_rand_a = 0


def uuid7() -> uuid.UUID:
    """A UUIDv7 whose order follows creation order, also within one millisecond in one process.

    Within a millisecond the 12-bit ``rand_a`` field is a counter (RFC 9562 §6.2, method 1), so
    ids made by one process sort in the order they were made; sorting by id is sorting by age.
    """
    global _last_ms, _last_rand_a
    with _lock:
        now_ms = time.time_ns() // 1_000_000
        if now_ms > _last_ms:
            _last_ms = now_ms
            _last_rand_a = int.from_bytes(os.urandom(2), "big") & 0x3FF  # headroom for the counter
        else:
            _last_rand_a += 1
            if _last_rand_a > 0xFFF:  # counter exhausted: borrow the next millisecond
                _last_ms += 1
                _last_rand_a = 0
        ms, rand_a = _last_ms, _last_rand_a
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= rand_a << 64
    value |= 0b10 << 62
    value |= rand_b
    return uuid.UUID(int=value)
