"""API keys on the wire: the Authorization header, the principal it proves, and scopes."""

import hashlib
import secrets
import string
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.accounts import service as accounts_service
from faktura.core.clock import utcnow
from faktura.core.errors import InsufficientScope, Unauthorized
from faktura.core.tenant import Tenant

RESOURCES = ("account", "customers", "items", "documents", "payments", "webhooks", "reports")
SCOPES: tuple[str, ...] = (
    *(
        f"{resource}:{action}"
        for resource in RESOURCES
        if resource != "reports"
        for action in ("read", "write")
    ),
    "reports:read",
    "keys:write",
    "*",
)
# What a key may be given: the scopes above and `resource:*` for every resource.
GRANTABLE_SCOPES = frozenset((*SCOPES, *(f"{resource}:*" for resource in RESOURCES)))
KEY_PREFIX = {True: "fk_live_", False: "fk_test_"}
_KEY_ALPHABET = string.ascii_letters + string.digits
_KEY_RANDOM_LENGTH = 32
# last_used_at is written at most this often per key, so reads stay reads.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: uuid.UUID
    tenant: Tenant
    scopes: frozenset[str]
    plan: str
    last_used_at: datetime | None

    def allows(self, scope: str) -> bool:
        """`*` allows all, `customers:*` all of customers, and write implies read."""
        if "*" in self.scopes or scope in self.scopes:
            return True
        resource, _, action = scope.partition(":")
        return f"{resource}:*" in self.scopes or (
            action == "read" and f"{resource}:write" in self.scopes
        )

    @property
    def needs_touch(self) -> bool:
        return self.last_used_at is None or utcnow() - self.last_used_at >= LAST_USED_RESOLUTION


class PrincipalCache:
    """The keys this process proved in the last `seconds`, by the hash of their secret: most
    requests then skip the key's query. A key revoked through this process is forgotten at
    once; another process accepts it for at most `seconds` more (0 turns the cache off)."""

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


def generate_key(livemode: bool) -> str:
    random_part = "".join(secrets.choice(_KEY_ALPHABET) for _ in range(_KEY_RANDOM_LENGTH))
    return KEY_PREFIX[livemode] + random_part


def hash_key(secret: str) -> str:
    """Keys carry 190 random bits, so one SHA-256 is a safe and fast one-way store."""
    return hashlib.sha256(secret.encode()).hexdigest()


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("Missing Authorization header: send 'Authorization: Bearer <key>'")
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Authorization must be 'Bearer <key>'")
    if not token.startswith(("fk_live_", "fk_test_")):
        raise Unauthorized("Invalid API key")
    return token


async def authenticate(
    session: AsyncSession, authorization: str | None, cache: PrincipalCache | None = None
) -> Principal:
    token = bearer_token(authorization)
    key_hash = hash_key(token)
    if cache is not None and (known := cache.get(key_hash)) is not None:
        return known
    key = await accounts_service.find_active_api_key(session, key_hash)
    if key is None:
        raise Unauthorized("Invalid or revoked API key")
    principal = Principal(
        key_id=key.id,
        tenant=Tenant(key.account_id, key.livemode),
        scopes=frozenset(key.scopes),
        plan=key.plan,
        last_used_at=key.last_used_at,
    )
    if cache is not None:
        cache.put(key_hash, principal)
    return principal


def check_scope(principal: Principal, scope: str) -> None:
    if not principal.allows(scope):
        raise InsufficientScope(f"This API key lacks the scope '{scope}'")
