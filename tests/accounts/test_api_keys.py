"""API keys: shown once, stored hashed, scoped, revocable."""

import re
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from faktura.accounts.api_keys import hash_key
from faktura.accounts.models import ApiKey
from faktura.config import Settings
from faktura.core.clock import set_clock
from faktura.db.session import Database
from tests.accounts.factories import ApiClient, add_key
from tests.assertions import assert_error


async def test_created_key_is_shown_once_and_stored_hashed(api: ApiClient, db: Database) -> None:
    response = await api.post(
        "/v1/api_keys",
        json={
            "name": "Accounting sync",
            "scopes": ["documents:read", "payments:read"],
            "plan": "pro",
        },
    )

    assert response.status_code == 201
    created = response.json()
    assert re.fullmatch(r"fk_test_[A-Za-z0-9]{32}", created["key"])
    assert created["mode"] == "test"
    assert created["livemode"] is False
    assert created["scopes"] == ["documents:read", "payments:read"]
    assert created["plan"] == "pro"
    assert created["redacted"] == f"fk_test_{created['key'][8:12]}…{created['key'][-4:]}"

    listed = (await api.get("/v1/api_keys")).json()["data"]
    assert created["id"] in [k["id"] for k in listed]
    assert created["key"] not in str(listed)
    async with db.transaction(writes=False) as session:
        row = (
            await session.execute(select(ApiKey).where(ApiKey.key_hash == hash_key(created["key"])))
        ).scalar_one()
    assert str(row.id) == created["id"]
    assert created["key"] not in (row.key_hash, row.redacted)


async def test_new_key_works_with_its_scopes(api: ApiClient) -> None:
    created = (await api.post("/v1/api_keys", json={"scopes": ["account:read"]})).json()
    key = api.with_key(created["key"])

    assert (await key.get("/v1/account")).status_code == 200
    assert_error(await key.patch("/v1/account", json={"phone": "1"}), 403, "insufficient_scope")


async def test_default_plan_comes_from_settings(api: ApiClient) -> None:
    created = (await api.post("/v1/api_keys", json={})).json()
    assert created["plan"] == "unlimited"
    assert created["scopes"] == ["*"]


async def test_a_key_cannot_grant_more_than_it_has(api: ApiClient, db: Database) -> None:
    limited = api.with_key(
        await add_key(db, api.account_id, scopes=["keys:write", "customers:read"])
    )

    assert (
        await limited.post("/v1/api_keys", json={"scopes": ["customers:read"]})
    ).status_code == 201
    assert_error(
        await limited.post("/v1/api_keys", json={"scopes": ["*"]}), 403, "insufficient_scope"
    )
    assert_error(
        await limited.post("/v1/api_keys", json={"scopes": ["customers:write"]}),
        403,
        "insufficient_scope",
    )


async def test_test_key_cannot_create_or_see_live_keys(api: ApiClient, db: Database) -> None:
    live_key = await add_key(db, api.account_id, livemode=True)
    live = api.with_key(live_key)
    live_created = (await live.post("/v1/api_keys", json={"name": "live one"})).json()
    assert live_created["key"].startswith("fk_live_")

    assert_error(await api.post("/v1/api_keys", json={"mode": "live"}), 403, "insufficient_scope")
    test_list = (await api.get("/v1/api_keys")).json()["data"]
    assert all(k["mode"] == "test" for k in test_list)
    assert_error(await api.delete(f"/v1/api_keys/{live_created['id']}"), 404, "not_found")
    assert (await live.with_key(live_created["key"]).get("/v1/account")).status_code == 200


async def test_revoke_is_idempotent_and_records_last_use(api: ApiClient) -> None:
    created = (await api.post("/v1/api_keys", json={"name": "temp"})).json()
    assert created["last_used_at"] is None
    await api.with_key(created["key"]).get("/v1/account")

    first = await api.delete(f"/v1/api_keys/{created['id']}")
    second = await api.delete(f"/v1/api_keys/{created['id']}")

    assert first.status_code == second.status_code == 200
    assert first.json()["revoked_at"] is not None
    assert second.json()["revoked_at"] == first.json()["revoked_at"]
    assert first.json()["last_used_at"] is not None
    assert_error(await api.delete("/v1/api_keys/not-an-id"), 404, "not_found")


async def test_unknown_scope_and_plan_are_422(api: ApiClient) -> None:
    for payload, field in (
        ({"scopes": ["everything"]}, "scopes[0]"),
        ({"plan": "gold"}, "plan"),
        ({"scopes": []}, "scopes"),
        ({"mode": "prod"}, "mode"),
    ):
        error = assert_error(await api.post("/v1/api_keys", json=payload), 422, "validation_error")
        assert error["details"][0]["field"] == field


async def test_new_keys_take_the_creators_plan_and_never_a_higher_one(
    api: ApiClient,
    db: Database,
) -> None:
    basic = api.with_key(await add_key(db, api.account_id, plan="basic"))

    assert (await basic.post("/v1/api_keys", json={})).json()["plan"] == "basic"
    for plan in ("pro", "enterprise", "unlimited"):
        assert_error(
            await basic.post("/v1/api_keys", json={"plan": plan}), 403, "insufficient_scope"
        )
    assert (await api.post("/v1/api_keys", json={"plan": "basic"})).json()["plan"] == "basic"


async def test_a_key_revoked_here_is_refused_at_once(api: ApiClient) -> None:
    created = (await api.post("/v1/api_keys", json={"name": "cached"})).json()
    key = api.with_key(created["key"])
    assert (await key.get("/v1/account")).status_code == 200  # this process now knows the key

    assert (await api.delete(f"/v1/api_keys/{created['id']}")).status_code == 200

    assert_error(await key.get("/v1/account"), 401, "unauthorized")


async def test_a_key_revoked_elsewhere_is_trusted_for_the_cache_time_only(
    api: ApiClient, db: Database, settings: Settings
) -> None:
    now = [datetime.now(UTC)]
    set_clock(lambda: now[0])
    try:
        created = (await api.post("/v1/api_keys", json={"name": "cached"})).json()
        key = api.with_key(created["key"])
        assert (await key.get("/v1/account")).status_code == 200
        # Another server process revokes it: straight in the database, this process not told.
        async with db.transaction() as session:
            await session.execute(
                update(ApiKey)
                .where(ApiKey.id == uuid.UUID(created["id"]))
                .values(revoked_at=now[0])
            )

        assert (await key.get("/v1/account")).status_code == 200
        now[0] += timedelta(seconds=settings.auth_cache_seconds)
        assert_error(await key.get("/v1/account"), 401, "unauthorized")
    finally:
        set_clock(None)
