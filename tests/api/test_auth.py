"""Scopes, modes and tenants: a key sees exactly what it may."""

from contextlib import AbstractAsyncContextManager

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.db.session import Database
from tests.accounts.factories import ApiClient, add_key, create_account_with_key
from tests.assertions import assert_error


async def test_missing_scope_is_403(api: ApiClient, db: Database) -> None:
    reader = api.with_key(await add_key(db, api.account_id, scopes=["customers:read"]))

    error = assert_error(await reader.get("/v1/account"), 403, "insufficient_scope")
    assert "account:read" in str(error["message"])


async def test_write_scope_implies_read_and_resource_wildcard(api: ApiClient, db: Database) -> None:
    writer = api.with_key(await add_key(db, api.account_id, scopes=["account:write"]))
    wildcard = api.with_key(await add_key(db, api.account_id, scopes=["account:*"]))
    reader = api.with_key(await add_key(db, api.account_id, scopes=["account:read"]))

    assert (await writer.get("/v1/account")).status_code == 200
    assert (await wildcard.patch("/v1/account", json={"phone": "+972-3-555"})).status_code == 200
    assert_error(await reader.patch("/v1/account", json={"phone": "1"}), 403, "insufficient_scope")


async def test_keys_write_scope_guards_key_management(api: ApiClient, db: Database) -> None:
    plain = api.with_key(await add_key(db, api.account_id, scopes=["account:write"]))
    assert_error(await plain.get("/v1/api_keys"), 403, "insufficient_scope")
    assert_error(await plain.post("/v1/api_keys", json={}), 403, "insufficient_scope")


async def test_test_key_never_sees_live_events(api: ApiClient, db: Database) -> None:
    live = api.with_key(await add_key(db, api.account_id, livemode=True))
    live_key = (await live.post("/v1/api_keys", json={"name": "live"})).json()
    assert (await live.delete(f"/v1/api_keys/{live_key['id']}")).status_code == 200
    live_event = (await live.get("/v1/events")).json()["data"][0]
    assert live_event["type"] == "api_key.revoked"
    assert live_event["livemode"] is True

    test_events = (await api.get("/v1/events")).json()
    assert test_events["total"] == 0
    assert_error(await api.get(f"/v1/events/{live_event['id']}"), 404, "not_found")


async def test_another_accounts_objects_answer_404(
    api: ApiClient,
    db: Database,
    http: httpx.AsyncClient,
) -> None:
    other = await create_account_with_key(db, http, name="Other GmbH", currency="EUR")
    await other.patch("/v1/account", json={"phone": "+49"})
    other_event = (await other.get("/v1/events")).json()["data"][0]
    other_key = (await other.post("/v1/api_keys", json={"name": "theirs"})).json()

    assert_error(await api.get(f"/v1/events/{other_event['id']}"), 404, "not_found")
    assert_error(await api.delete(f"/v1/api_keys/{other_key['id']}"), 404, "not_found")
    assert (await other.with_key(other_key["key"]).get("/v1/account")).status_code == 200
    assert (await api.get("/v1/account")).json()["name"] == "Acme Ltd"
    assert (await other.get("/v1/account")).json()["name"] == "Other GmbH"


async def test_each_bad_authorization_header_gets_its_own_401(api: ApiClient) -> None:
    revoked = (await api.post("/v1/api_keys", json={"name": "gone"})).json()
    assert (await api.delete(f"/v1/api_keys/{revoked['id']}")).status_code == 200
    cases = {
        None: "Missing Authorization header: send 'Authorization: Bearer <key>'",
        "Basic abc": "Authorization must be 'Bearer <key>'",
        "Bearer ": "Authorization must be 'Bearer <key>'",
        "Bearer sk_live_123": "Invalid API key",
        "Bearer fk_prod_" + api.key[8:]: "Invalid API key",
        "Bearer fk_live_" + api.key[8:]: "Invalid or revoked API key",
        "Bearer fk_test_" + "x" * 32: "Invalid or revoked API key",
        f"Bearer {revoked['key']}": "Invalid or revoked API key",
    }
    for header, message in cases.items():
        headers = {} if header is None else {"Authorization": header}
        response = await api.http.get("/v1/account", headers=headers)
        error = assert_error(response, 401, "unauthorized")
        assert error["message"] == message, header
    # The scheme is case-insensitive and the key may be padded.
    assert (
        await api.http.get("/v1/account", headers={"Authorization": f"bearer  {api.key} "})
    ).status_code == 200


async def test_a_key_proved_a_moment_ago_opens_no_transaction_to_authenticate(
    api: ApiClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[bool] = []
    transaction = db.transaction

    def counted(*, writes: bool = True) -> AbstractAsyncContextManager[AsyncSession]:
        opened.append(writes)
        return transaction(writes=writes)

    fresh = api.with_key(await add_key(db, api.account_id))
    monkeypatch.setattr(db, "transaction", counted)
    assert (await fresh.get("/v1/account")).status_code == 200
    # Proved by a read, served by a read, its first use recorded by a write.
    assert opened == [False, False, True]

    opened.clear()
    assert (await fresh.get("/v1/account")).status_code == 200
    assert opened == [False]  # the route's own

    opened.clear()
    forged = api.with_key("fk_test_" + "x" * 32)
    assert_error(await forged.get("/v1/account"), 401, "unauthorized")
    assert opened == [False]  # an unknown key is looked up every time
