"""API keys: issuing, storing, showing, proving and revoking them.

The routes of /v1/api_keys, the `faktura keys` and `faktura demo` commands and the tests all
issue keys through `issue_api_key`, and every request is proved by `authenticate`.

- A key is `fk_live_` or `fk_test_` followed by 32 random letters and digits (about 190 bits);
  the prefix is its mode. Only its SHA-256 is stored, with a redacted form to recognise it by
  (`fk_test_AbCd…wxyz`); the secret is shown once, to whoever issued it.
- Scopes are `resource:read`, `resource:write`, `resource:*`, `reports:read`, `keys:write` or
  `*`; write implies read (`Principal.allows`).
- A key issued by another key has that key's mode, only scopes that key has itself, and a plan
  no higher than its own (by default the same). An operator (the CLI) may issue any key.
- A key proves a request until it is revoked; revoking is idempotent. Its last use is written
  at most once a minute, so that reads stay reads.
"""

import hashlib
import secrets
import string
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.accounts.models import ApiKey
from faktura.accounts.principal_cache import PrincipalCache
from faktura.accounts.schemas import Plan
from faktura.accounts.scopes import GRANTABLE_SCOPES
from faktura.core.clock import utcnow
from faktura.core.errors import InsufficientScope, NotFound, Unauthorized, ValidationFailed
from faktura.core.principal import Principal
from faktura.core.tenant import Tenant
from faktura.core.types import values_of
from faktura.db.pagination import Page, PageParams, paginate
from faktura.events.service import record_event

# Lowest first: a key may issue keys on its own plan or a lower one.
PLANS: tuple[str, ...] = values_of(Plan)
KEY_PREFIX = {True: "fk_live_", False: "fk_test_"}
_PREFIXES = tuple(KEY_PREFIX.values())
_KEY_ALPHABET = string.ascii_letters + string.digits
_KEY_RANDOM_LENGTH = 32
# last_used_at is written at most this often per key, so reads stay reads.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def generate_key(livemode: bool) -> str:
    random_part = "".join(secrets.choice(_KEY_ALPHABET) for _ in range(_KEY_RANDOM_LENGTH))
    return KEY_PREFIX[livemode] + random_part


def hash_key(secret: str) -> str:
    """Keys carry 190 random bits, so one SHA-256 is a safe and fast one-way store."""
    return hashlib.sha256(secret.encode()).hexdigest()


def redact(secret: str) -> str:
    """What identifies a key once it is issued: its prefix, four characters, the last four."""
    prefix = next(p for p in _PREFIXES if secret.startswith(p))
    return f"{prefix}{secret[len(prefix) : len(prefix) + 4]}…{secret[-4:]}"


def check_scopes(scopes: Sequence[str], issuer: Principal | None = None) -> list[str]:
    """The scopes a new key gets, sorted and each once. Refused: none at all or an unknown
    scope (422, naming its place in `scopes`), and one the issuing key lacks (403)."""
    if not scopes:
        raise ValidationFailed.on_field("scopes", "at least one scope is needed")
    for index, scope in enumerate(scopes):
        if scope not in GRANTABLE_SCOPES:
            raise ValidationFailed.on_field(f"scopes[{index}]", f"unknown scope '{scope}'")
        if issuer is not None and not issuer.allows(scope):
            raise InsufficientScope(f"This key cannot grant the scope '{scope}' it lacks")
    return sorted(set(scopes))


def check_plan(plan: str | None, issuer: Principal | None = None) -> str:
    """The plan a new key gets: the one asked for, else the issuing key's; never higher than
    the issuing key's (403)."""
    chosen = plan or (issuer.plan if issuer is not None else None)
    if chosen not in PLANS:
        raise ValidationFailed.on_field("plan", f"must be one of {', '.join(PLANS)}")
    if issuer is not None and PLANS.index(chosen) > PLANS.index(issuer.plan):
        raise InsufficientScope(f"A key on plan '{issuer.plan}' cannot create keys on '{chosen}'")
    return chosen


@dataclass(frozen=True, slots=True)
class IssuedKey:
    key: ApiKey
    secret: str  # shown once, never stored


async def issue_api_key(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    livemode: bool,
    name: str,
    scopes: Sequence[str],
    plan: str | None = None,
    description: str | None = None,
    issuer: Principal | None = None,
) -> IssuedKey:
    """Make a key of the account. `issuer` is the key asking for it, None for an operator."""
    if issuer is not None and livemode != issuer.tenant.livemode:
        raise InsufficientScope("A key can only create keys of its own mode")
    granted = check_scopes(scopes, issuer)
    chosen_plan = check_plan(plan, issuer)
    secret = generate_key(livemode)
    key = ApiKey(
        account_id=account_id,
        livemode=livemode,
        name=name,
        scopes=granted,
        plan=chosen_plan,
        key_hash=hash_key(secret),
        redacted=redact(secret),
        description=description,
        created_at=utcnow(),
    )
    session.add(key)
    await session.flush()
    return IssuedKey(key, secret)


async def list_api_keys(
    session: AsyncSession,
    tenant: Tenant,
    params: PageParams,
) -> Page[ApiKey]:
    """The keys of the tenant's mode: a test key never learns about live keys."""
    return await paginate(
        session,
        select(ApiKey).where(
            ApiKey.account_id == tenant.account_id, ApiKey.livemode == tenant.livemode
        ),
        ApiKey.id,
        params,
    )


async def revoke_api_key(session: AsyncSession, tenant: Tenant, key_id: uuid.UUID) -> ApiKey:
    key = (
        await session.execute(
            select(ApiKey).where(
                ApiKey.id == key_id,
                ApiKey.account_id == tenant.account_id,
                ApiKey.livemode == tenant.livemode,
            )
        )
    ).scalar_one_or_none()
    if key is None:
        raise NotFound("API key not found")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        await session.flush()
        await record_event(
            session,
            tenant,
            "api_key.revoked",
            "api_key",
            key.id,
            {"id": str(key.id), "name": key.name, "redacted": key.redacted},
        )
    return key


async def _find_active_by_hash(session: AsyncSession, key_hash: str) -> ApiKey | None:
    return (
        await session.execute(
            select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
        )
    ).scalar_one_or_none()


async def find_active_api_key(session: AsyncSession, secret: str) -> ApiKey | None:
    """The key of this secret, unless there is none or it was revoked."""
    return await _find_active_by_hash(session, hash_key(secret))


async def authenticate(
    session: AsyncSession, secret: str, cache: PrincipalCache | None = None
) -> Principal:
    """Who the secret proves; 401 for a malformed, unknown or revoked key."""
    if not secret.startswith(_PREFIXES):
        raise Unauthorized("Invalid API key")
    key_hash = hash_key(secret)
    if cache is not None and (known := cache.get(key_hash)) is not None:
        return known
    key = await _find_active_by_hash(session, key_hash)
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


def needs_use_recorded(principal: Principal) -> bool:
    last = principal.last_used_at
    return last is None or utcnow() - last >= LAST_USED_RESOLUTION


async def record_use(session: AsyncSession, key_id: uuid.UUID) -> datetime:
    """Write the key's last use as now, and return it."""
    now = utcnow()
    await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))
    return now


class KeyAuthenticator:
    """The API keys as one application process sees them: proved through a short cache, their
    use recorded, and a key revoked here forgotten at once (the API's `KeyAuthority`)."""

    def __init__(self, cache_seconds: float):
        self.cache = PrincipalCache(cache_seconds)

    def known(self, secret: str) -> Principal | None:
        """The key's principal as this process proved it within the cache's seconds, found
        without a database read; None when it must be proved (`authenticate`)."""
        if not secret.startswith(_PREFIXES):
            return None
        return self.cache.get(hash_key(secret))

    async def authenticate(self, session: AsyncSession, secret: str) -> Principal:
        return await authenticate(session, secret, self.cache)

    def needs_use_recorded(self, principal: Principal) -> bool:
        return needs_use_recorded(principal)

    async def record_use(self, session: AsyncSession, principal: Principal) -> None:
        self.cache.touched(principal, await record_use(session, principal.key_id))

    def forget(self, key_id: uuid.UUID) -> None:
        self.cache.forget(key_id)
