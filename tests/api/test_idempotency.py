"""Idempotency-Key on POST: replay, conflicts, and what is not kept."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from faktura.accounts.models import ApiKey
from faktura.api import idempotency
from faktura.api.models import IdempotencyRecord
from faktura.core.errors import Conflict
from faktura.core.tenant import Tenant
from faktura.db.session import Database
from tests.accounts.factories import ApiClient, add_key
from tests.assertions import assert_error


async def _key_count(db: Database, api: ApiClient) -> int:
    async with db.transaction(writes=False) as session:
        return (
            await session.execute(
                select(func.count()).select_from(ApiKey).where(ApiKey.account_id == api.account_id)
            )
        ).scalar_one()


async def test_retry_replays_the_first_response(api: ApiClient, db: Database) -> None:
    headers = {"Idempotency-Key": "create-key-1"}
    first = await api.post("/v1/api_keys", json={"name": "ci"}, headers=headers)
    retry = await api.post("/v1/api_keys", json={"name": "ci"}, headers=headers)

    assert first.status_code == retry.status_code == 201
    created = first.json()
    assert retry.json() == {**created, "key": created["redacted"]}  # the secret is shown once
    assert retry.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await _key_count(db, api) == 2  # the fixture's key and one created
    async with db.transaction(writes=False) as session:
        kept = (
            await session.execute(
                select(IdempotencyRecord.response_body).where(
                    IdempotencyRecord.key == "create-key-1",
                    IdempotencyRecord.account_id == api.account_id,
                )
            )
        ).scalar_one()
    assert created["key"] not in kept


async def test_same_json_in_another_layout_is_the_same_request(api: ApiClient) -> None:
    headers = {
        "Idempotency-Key": "layout",
        "Authorization": f"Bearer {api.key}",
        "Content-Type": "application/json",
    }
    first = await api.http.post(
        "/v1/api_keys", content=b'{"name":"a","plan":"pro"}', headers=headers
    )
    retry = await api.http.post(
        "/v1/api_keys", content=b'{ "plan": "pro", "name": "a" }', headers=headers
    )
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]


async def test_another_key_of_the_account_cannot_replay(api: ApiClient, db: Database) -> None:
    headers = {"Idempotency-Key": "mine"}
    await api.post("/v1/api_keys", json={"name": "x"}, headers=headers)
    other = api.with_key(await add_key(db, api.account_id))

    response = await other.post("/v1/api_keys", json={"name": "x"}, headers=headers)

    assert_error(response, 409, "idempotency_conflict")


async def test_same_key_with_another_body_is_409(api: ApiClient, db: Database) -> None:
    headers = {"Idempotency-Key": "k-2"}
    await api.post("/v1/api_keys", json={"name": "one"}, headers=headers)

    response = await api.post("/v1/api_keys", json={"name": "two"}, headers=headers)

    assert_error(response, 409, "idempotency_conflict")
    assert await _key_count(db, api) == 2


async def test_request_in_flight_is_409_conflict(api: ApiClient, db: Database) -> None:
    async with db.transaction() as session:  # a twin request has claimed the key and runs
        key_id = (
            await session.execute(select(ApiKey.id).where(ApiKey.account_id == api.account_id))
        ).scalar_one()
        fingerprint = idempotency.fingerprint(key_id, "POST", "/v1/api_keys", "", b'{"name":"x"}')
        await idempotency.claim(
            session, Tenant(api.account_id, False), "busy", fingerprint, timedelta(hours=24)
        )

    response = await api.post(
        "/v1/api_keys", json={"name": "x"}, headers={"Idempotency-Key": "busy"}
    )

    assert_error(response, 409, "conflict")
    assert await _key_count(db, api) == 1


async def test_concurrent_duplicates_run_once(api: ApiClient, db: Database) -> None:
    headers = {"Idempotency-Key": "race"}
    responses = await asyncio.gather(
        *(api.post("/v1/api_keys", json={"name": "race"}, headers=headers) for _ in range(5))
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}
    created_ids = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(created_ids) == 1
    assert await _key_count(db, api) == 2


async def test_validation_error_is_kept_and_replayed(api: ApiClient) -> None:
    headers = {"Idempotency-Key": "bad-1"}
    first = await api.post("/v1/api_keys", json={"scopes": ["nope"]}, headers=headers)
    retry = await api.post("/v1/api_keys", json={"scopes": ["nope"]}, headers=headers)

    assert first.status_code == retry.status_code == 422
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"


async def test_scope_refusal_is_not_kept(api: ApiClient, db: Database) -> None:
    weak = api.with_key(await add_key(db, api.account_id, scopes=["account:read"]))
    headers = {"Idempotency-Key": "scoped"}
    assert_error(
        await weak.post("/v1/api_keys", json={"name": "x"}, headers=headers),
        403,
        "insufficient_scope",
    )

    async with db.transaction(writes=False) as session:
        kept = (
            await session.execute(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.key == "scoped",
                    IdempotencyRecord.account_id == api.account_id,
                )
            )
        ).scalar_one_or_none()
    assert kept is None


async def test_keys_are_per_account(api: ApiClient, db: Database) -> None:
    from tests.accounts.factories import create_account_with_key

    other = await create_account_with_key(db, api.http, name="Other")
    headers = {"Idempotency-Key": "shared-name"}
    mine = await api.post("/v1/api_keys", json={"name": "a"}, headers=headers)
    theirs = await other.post("/v1/api_keys", json={"name": "a"}, headers=headers)

    assert mine.status_code == theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers
    assert mine.json()["id"] != theirs.json()["id"]


async def test_key_longer_than_255_is_400(api: ApiClient) -> None:
    response = await api.post("/v1/api_keys", json={}, headers={"Idempotency-Key": "k" * 256})
    assert_error(response, 400, "bad_request")


async def test_expired_key_runs_the_request_again(api: ApiClient, db: Database) -> None:
    headers = {"Idempotency-Key": "old"}
    first = await api.post("/v1/api_keys", json={"name": "a"}, headers=headers)
    async with db.transaction() as session:
        record = (
            await session.execute(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.key == "old", IdempotencyRecord.account_id == api.account_id
                )
            )
        ).scalar_one()
        record.expires_at = record.created_at - timedelta(seconds=1)

    again = await api.post("/v1/api_keys", json={"name": "a"}, headers=headers)

    assert again.status_code == 201
    assert again.json()["id"] != first.json()["id"]


async def test_a_retry_that_takes_over_a_stale_claim_wins_alone(
    api: ApiClient,
    db: Database,
) -> None:
    tenant = Tenant(api.account_id, False)
    async with db.transaction() as session:
        key_id = (
            await session.execute(select(ApiKey.id).where(ApiKey.account_id == api.account_id))
        ).scalar_one()
        fingerprint = idempotency.fingerprint(key_id, "POST", "/v1/x", "", b"")
        slow = await idempotency.claim(session, tenant, "slow", fingerprint, timedelta(hours=1))
    async with db.transaction() as session:  # the slow request's lease has run out
        await session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.id == slow.record_id)
            .values(locked_at=slow.locked_at - idempotency.LEASE)
        )
    async with db.transaction() as session:
        retry = await idempotency.claim(session, tenant, "slow", fingerprint, timedelta(hours=1))
    assert isinstance(retry, idempotency.Claim)

    with pytest.raises(Conflict):  # the slow request finishes late: its work rolls back
        async with db.transaction() as session:
            await idempotency.complete(session, slow, 201, b"{}")
    async with db.transaction() as session:
        await idempotency.complete(session, retry, 201, b'{"ok":true}')
    async with db.transaction() as session:
        replay = await idempotency.claim(session, tenant, "slow", fingerprint, timedelta(hours=1))
    assert replay == idempotency.Replay(201, b'{"ok":true}')
