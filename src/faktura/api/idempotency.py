"""Idempotency-Key: the first response of a POST is kept and replayed for its retries.

A key is claimed in a short transaction of its own before the request runs, so a concurrent
duplicate sees it (409 conflict). The response is written in the request's own transaction, so
a committed change and its stored response cannot part: a retry after a crash either replays
the response or, if nothing committed, runs the request again.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.api.models import IdempotencyRecord
from faktura.core.clock import utcnow
from faktura.core.errors import BadRequest, Conflict, IdempotencyConflict
from faktura.core.jsoncodec import dumps, loads
from faktura.core.tenant import Tenant

MAX_KEY_LENGTH = 255
# A claim whose request has not finished after this long is taken to be abandoned.
LEASE = timedelta(minutes=1)
# Responses that say nothing about the request itself are not kept: the retry runs again.
UNSTORED_STATUSES = frozenset({401, 403, 429})


@dataclass(frozen=True, slots=True)
class Claim:
    record_id: object
    locked_at: datetime  # fences the claim: a takeover by a retry changes it


@dataclass(frozen=True, slots=True)
class Replay:
    status: int
    body: bytes


def validate_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise BadRequest(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")
    return key


def fingerprint(key_id: object, method: str, path: str, query: str, body: bytes) -> str:
    """Same request = same API key, method, path, query and JSON content (key order and
    spacing aside). The API key is part of it so that no key can replay another's answers."""
    try:
        canonical = dumps(loads(body), sort_keys=True) if body else b""
    except (ValueError, RecursionError):
        canonical = body
    digest = hashlib.sha256()
    for part in (str(key_id).encode(), method.encode(), path.encode(), query.encode(), canonical):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


async def claim(
    session: AsyncSession,
    tenant: Tenant,
    key: str,
    request_fingerprint: str,
    ttl: timedelta,
) -> Claim | Replay:
    now = utcnow()
    record = (
        await session.execute(
            select(IdempotencyRecord)
            .where(
                IdempotencyRecord.account_id == tenant.account_id,
                IdempotencyRecord.livemode == tenant.livemode,
                IdempotencyRecord.key == key,
            )
            .with_for_update()
        )
    ).scalar_one_or_none()
    if record is not None and record.expires_at <= now:
        await session.delete(record)
        await session.flush()
        record = None
    if record is None:
        record = IdempotencyRecord(
            account_id=tenant.account_id,
            livemode=tenant.livemode,
            key=key,
            request_fingerprint=request_fingerprint,
            locked_at=now,
            created_at=now,
            expires_at=now + ttl,
        )
        session.add(record)
        await session.flush()  # a concurrent twin fails here on the unique key
        return Claim(record.id, now)
    if record.request_fingerprint != request_fingerprint:
        raise IdempotencyConflict("This Idempotency-Key was already used with a different request")
    if record.response_status is not None and record.response_body is not None:
        return Replay(record.response_status, record.response_body.encode())
    if record.locked_at is not None and now - record.locked_at < LEASE:
        raise Conflict("A request with this Idempotency-Key is still being processed")
    # The earlier attempt has not finished within the lease: this retry takes the claim over.
    # Should the earlier one still finish, its completion finds the claim changed and rolls
    # its work back, so the request runs once.
    record.locked_at = now
    return Claim(record.id, now)


def _held(claimed: Claim) -> list[Any]:
    return [
        IdempotencyRecord.id == claimed.record_id,
        IdempotencyRecord.locked_at == claimed.locked_at,
    ]


async def complete(session: AsyncSession, claimed: Claim, status: int, body: bytes) -> None:
    """Keep the response, in the request's own transaction: it commits or fails with it."""
    result = await session.execute(
        update(IdempotencyRecord)
        .where(*_held(claimed))
        .values(response_status=status, response_body=body.decode(), locked_at=None)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise Conflict("A retry with this Idempotency-Key took over this request")


async def release(session: AsyncSession, claimed: Claim) -> None:
    await session.execute(delete(IdempotencyRecord).where(*_held(claimed)))


async def purge_expired(session: AsyncSession) -> int:
    result = await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= utcnow())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
