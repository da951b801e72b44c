"""API keys on the wire: the Authorization header and the scopes routes ask for.

Which keys exist and what they may do is not decided here: `create_app` passes in the API-key
domain's authority (accounts/api_keys.py) as the runtime's `keys`.
"""

import uuid
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.core.errors import InsufficientScope, Unauthorized
from faktura.core.principal import Principal

__all__ = ["KeyAuthority", "Principal", "authenticate", "bearer_token", "check_scope"]


class KeyAuthority(Protocol):
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


async def authenticate(
    session: AsyncSession, authorization: str | None, keys: KeyAuthority
) -> Principal:
    return await keys.authenticate(session, bearer_token(authorization))


def check_scope(principal: Principal, scope: str) -> None:
    if not principal.allows(scope):
        raise InsufficientScope(f"This API key lacks the scope '{scope}'")
