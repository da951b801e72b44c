"""API keys on the wire: the Authorization header and the scopes routes ask for.

Which keys exist and what they may do is not decided here: `create_app` passes in the API-key
domain's authority (accounts/api_keys.py) as the runtime's `keys`.
"""

import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.core.errors import InsufficientScope, Unauthorized
from faktura.core.principal import Principal

__all__ = ["KeyAuthority", "Principal", "Reader", "authenticate", "bearer_token", "check_scope"]

# Opens a read transaction (`Database.transaction(writes=False)`).
Reader = Callable[[], AbstractAsyncContextManager[AsyncSession]]


class KeyAuthority(Protocol):
    def known(self, secret: str) -> Principal | None:
        """Who the key proves, if this process proved it a moment ago; None: `authenticate`."""
        ...

    async def authenticate(self, session: AsyncSession, secret: str) -> Principal:
        """Who the key proves; Unauthorized for a malformed, unknown or revoked key."""
        ...

    def needs_use_recorded(self, principal: Principal) -> bool: ...

    async def record_use(self, session: AsyncSession, principal: Principal) -> None: ...

    def forget(self, key_id: uuid.UUID) -> None:
        """The key was revoked: stop trusting what this process remembers of it."""
        ...


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("Missing Authorization header: send 'Authorization: Bearer <key>'")
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Authorization must be 'Bearer <key>'")
    return token


async def authenticate(authorization: str | None, keys: KeyAuthority, read: Reader) -> Principal:
    """Who the Authorization header's key proves. A key proved a moment ago costs no database
    read and no transaction; `read` opens one only for a key to prove."""
    secret = bearer_token(authorization)
    known = keys.known(secret)
    if known is not None:
        return known
    async with read() as session:
        return await keys.authenticate(session, secret)


def check_scope(principal: Principal, scope: str) -> None:
    if not principal.allows(scope):
        raise InsufficientScope(f"This API key lacks the scope '{scope}'")
