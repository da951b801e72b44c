"""The keys this process proved in the last few seconds, by the hash of their secret."""

import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from faktura.core.clock import utcnow
from faktura.core.principal import Principal


class PrincipalCache:
    """Most requests skip the key's query: a key proved in the last `seconds` is trusted again.
    A key revoked through this process is forgotten at once; another process accepts it for
    at most `seconds` more (0 turns the cache off)."""

    def __init__(self, seconds: float, size: int = 10_000):
        self.ttl = timedelta(seconds=seconds)
        self.size = size
        self._entries: dict[str, tuple[datetime, Principal]] = {}

    def get(self, key_hash: str) -> Principal | None:
        entry = self._entries.get(key_hash)
        if entry is None:
            return None
        if utcnow() >= entry[0]:
            del self._entries[key_hash]
            return None
        return entry[1]

    def put(self, key_hash: str, principal: Principal) -> None:
        if not self.ttl:
            return
        if len(self._entries) >= self.size:
            self._entries.clear()  # a burst of distinct keys: start over rather than grow
        self._entries[key_hash] = (utcnow() + self.ttl, principal)

    def touched(self, principal: Principal, at: datetime) -> None:
        """The key's last use was recorded: keep the cached principal from recording it again."""
        for key_hash, (expires, cached) in list(self._entries.items()):
            if cached.key_id == principal.key_id:
                self._entries[key_hash] = (expires, replace(cached, last_used_at=at))

    def forget(self, key_id: uuid.UUID) -> None:
        for key_hash, (_, cached) in list(self._entries.items()):
            if cached.key_id == key_id:
                del self._entries[key_hash]
