"""The API-key domain functions themselves: issuing, hashing, redacting, proving, revoking."""

import hashlib
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from faktura.accounts import api_keys
from faktura.accounts.models import ApiKey
from faktura.accounts.service import create_account
from faktura.api.ratelimit import PLAN_LIMITS
from faktura.core.clock import set_clock
from faktura.core.errors import ErrorDetail, InsufficientScope, Unauthorized, ValidationFailed
from faktura.core.principal import Principal
from faktura.core.tenant import Tenant
from faktura.db.session import Database

SECRET = "fk_test_0123456789abcdefghijABCDEFGHIJ"
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[list[datetime]]:
    now = [NOW]
    set_clock(lambda: now[0])
    yield now
    set_clock(None)


def issuer(
    *scopes: str, livemode: bool = False, plan: str = "pro", account_id: uuid.UUID | None = None
) -> Principal:
    return Principal(
        key_id=uuid.uuid4(),
        tenant=Tenant(account_id or uuid.uuid4(), livemode),
        scopes=frozenset(scopes),
        plan=plan,
        last_used_at=None,
    )


async def new_account(db: Database) -> uuid.UUID:
    async with db.transaction() as session:
        return (await create_account(session, name="Keys Ltd", currency="EUR")).id


async def keys_of(db: Database, account_id: uuid.UUID) -> int:
    async with db.transaction(writes=False) as session:
        count = await session.scalar(
            select(func.count()).select_from(ApiKey).where(ApiKey.account_id == account_id)
        )
    assert count is not None
    return count


def test_the_hash_is_the_hex_sha256_of_the_whole_secret() -> None:
    assert api_keys.hash_key(SECRET) == (
        "93e33e6e256b55fd4c31164beb1935666a8d2a46a3cc2e16ffa517c9826eebf1"
    )


def test_redaction_keeps_the_prefix_four_characters_and_the_last_four() -> None:
    assert api_keys.redact(SECRET) == "fk_test_0123…GHIJ"
    assert api_keys.redact("fk_live_" + "Ab" * 16) == "fk_live_AbAb…AbAb"


def test_a_generated_key_has_its_modes_prefix_and_32_letters_or_digits() -> None:
    live, test = api_keys.generate_key(True), api_keys.generate_key(False)

    assert re.fullmatch("fk_live_[A-Za-z0-9]{32}", live)
    assert re.fullmatch("fk_test_[A-Za-z0-9]{32}", test)
    assert live != api_keys.generate_key(True)


def test_plans_are_the_rate_limiters_plans_lowest_first() -> None:
    assert api_keys.PLANS == ("basic", "pro", "enterprise", "unlimited")
    assert tuple(PLAN_LIMITS) == api_keys.PLANS


def test_scopes_are_sorted_once_each_and_unknown_ones_named_by_place() -> None:
    assert api_keys.check_scopes(["documents:write", "customers:read", "documents:write"]) == [
        "customers:read",
        "documents:write",
    ]
    with pytest.raises(ValidationFailed) as unknown:
        api_keys.check_scopes(["customers:read", "root"])
    assert unknown.value.details == [ErrorDetail("scopes[1]", "unknown scope 'root'")]
    with pytest.raises(ValidationFailed) as empty:
        api_keys.check_scopes([])
    assert empty.value.details == [ErrorDetail("scopes", "at least one scope is needed")]


def test_an_issuing_key_grants_only_what_it_has() -> None:
    writer = issuer("customers:write", "keys:write")

    assert api_keys.check_scopes(["customers:read", "customers:write"], writer) == [
        "customers:read",
        "customers:write",
    ]
    with pytest.raises(InsufficientScope) as refused:
        api_keys.check_scopes(["customers:read", "customers:*"], writer)
    assert refused.value.message == "This key cannot grant the scope 'customers:*' it lacks"
    assert api_keys.check_scopes(["*"], issuer("*")) == ["*"]


def test_the_plan_defaults_to_the_issuers_and_is_never_higher() -> None:
    pro = issuer("*", plan="pro")

    assert api_keys.check_plan(None, pro) == "pro"
    assert api_keys.check_plan("basic", pro) == "basic"
    assert api_keys.check_plan("unlimited") == "unlimited"
    with pytest.raises(InsufficientScope) as higher:
        api_keys.check_plan("enterprise", pro)
    assert higher.value.message == "A key on plan 'pro' cannot create keys on 'enterprise'"
    with pytest.raises(ValidationFailed) as unknown:
        api_keys.check_plan("gold")
    assert unknown.value.details == [
        ErrorDetail("plan", "must be one of basic, pro, enterprise, unlimited")
    ]
    with pytest.raises(ValidationFailed):
        api_keys.check_plan(None)


async def test_issuing_stores_the_hash_and_the_redacted_form_never_the_secret(
    db: Database, clock: list[datetime]
) -> None:
    account_id = await new_account(db)
    async with db.transaction() as session:
        issued = await api_keys.issue_api_key(
            session,
            account_id=account_id,
            livemode=True,
            name="Ledger sync",
            scopes=["payments:read", "documents:read", "payments:read"],
            plan="basic",
            description="nightly",
        )

    async with db.transaction(writes=False) as session:
        row = await session.get(ApiKey, issued.key.id)
    assert row is not None
    assert issued.secret.startswith("fk_live_")
    assert row.key_hash == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert row.redacted == f"fk_live_{issued.secret[8:12]}…{issued.secret[-4:]}"
    assert issued.secret not in (row.key_hash, row.redacted, row.name, row.description)
    assert (row.account_id, row.livemode, row.name, row.description) == (
        account_id,
        True,
        "Ledger sync",
        "nightly",
    )
    assert row.scopes == ["documents:read", "payments:read"]
    assert row.plan == "basic"
    assert row.created_at == NOW
    assert (row.last_used_at, row.revoked_at) == (None, None)


async def test_a_refused_issue_writes_no_key(db: Database) -> None:
    account_id = await new_account(db)
    test_key = issuer("*", account_id=account_id)
    attempts = (
        ({"livemode": True, "scopes": ["*"]}, InsufficientScope),
        ({"livemode": False, "scopes": ["nope"]}, ValidationFailed),
        ({"livemode": False, "scopes": ["*"], "plan": "unlimited"}, InsufficientScope),
    )
    for arguments, error in attempts:
        with pytest.raises(error):
            async with db.transaction() as session:
                await api_keys.issue_api_key(
                    session, account_id=account_id, name="x", issuer=test_key, **arguments
                )

    assert await keys_of(db, account_id) == 0


async def test_a_key_of_the_other_mode_is_refused_with_its_message(db: Database) -> None:
    account_id = await new_account(db)
    async with db.transaction() as session:
        with pytest.raises(InsufficientScope) as refused:
            await api_keys.issue_api_key(
                session,
                account_id=account_id,
                livemode=True,
                name="live",
                scopes=["*"],
                issuer=issuer("*", account_id=account_id),
            )
    assert refused.value.message == "A key can only create keys of its own mode"


async def test_authenticate_proves_the_key_and_refuses_unknown_revoked_and_malformed(
    db: Database,
) -> None:
    account_id = await new_account(db)
    async with db.transaction() as session:
        issued = await api_keys.issue_api_key(
            session,
            account_id=account_id,
            livemode=False,
            name="k",
            scopes=["customers:read"],
            plan="pro",
        )

    async with db.transaction(writes=False) as session:
        principal = await api_keys.authenticate(session, issued.secret)
    assert principal == Principal(
        key_id=issued.key.id,
        tenant=Tenant(account_id, False),
        scopes=frozenset({"customers:read"}),
        plan="pro",
        last_used_at=None,
    )

    refusals = {
        "fk_prod_" + issued.secret[8:]: "Invalid API key",  # no such mode
        issued.secret.upper(): "Invalid API key",  # FK_TEST_…
        "fk_live_" + issued.secret[8:]: "Invalid or revoked API key",  # the other mode's
        "fk_test_" + "x" * 32: "Invalid or revoked API key",
    }
    for secret, message in refusals.items():
        async with db.transaction(writes=False) as session:
            with pytest.raises(Unauthorized) as refused:
                await api_keys.authenticate(session, secret)
        assert refused.value.message == message

    async with db.transaction() as session:
        revoked = await api_keys.revoke_api_key(session, Tenant(account_id, False), issued.key.id)
    assert revoked.revoked_at is not None
    async with db.transaction(writes=False) as session:
        with pytest.raises(Unauthorized) as refused:
            await api_keys.authenticate(session, issued.secret)
        assert await api_keys.find_active_api_key(session, issued.secret) is None
    assert refused.value.message == "Invalid or revoked API key"


async def test_last_use_is_recorded_at_most_once_a_minute(
    db: Database, clock: list[datetime]
) -> None:
    account_id = await new_account(db)
    async with db.transaction() as session:
        issued = await api_keys.issue_api_key(
            session, account_id=account_id, livemode=False, name="k", scopes=["*"], plan="pro"
        )
    keys = api_keys.KeyAuthenticator(cache_seconds=30)

    async with db.transaction(writes=False) as session:
        first = await keys.authenticate(session, issued.secret)
    assert keys.needs_use_recorded(first)
    async with db.transaction() as session:
        await keys.record_use(session, first)

    clock[0] = NOW + timedelta(seconds=59)
    async with db.transaction(writes=False) as session:
        cached = await keys.authenticate(session, issued.secret)
        row = await session.get(ApiKey, issued.key.id)
    assert cached.last_used_at == NOW
    assert not keys.needs_use_recorded(cached)
    assert row is not None
    assert row.last_used_at == NOW

    clock[0] = NOW + timedelta(minutes=1)
    assert keys.needs_use_recorded(cached)


async def test_a_revoked_key_is_trusted_from_the_cache_until_forgotten(db: Database) -> None:
    account_id = await new_account(db)
    async with db.transaction() as session:
        issued = await api_keys.issue_api_key(
            session, account_id=account_id, livemode=False, name="k", scopes=["*"], plan="pro"
        )
    keys = api_keys.KeyAuthenticator(cache_seconds=60)
    async with db.transaction(writes=False) as session:
        proved = await keys.authenticate(session, issued.secret)
    async with db.transaction() as session:
        await api_keys.revoke_api_key(session, proved.tenant, proved.key_id)

    async with db.transaction(writes=False) as session:
        assert await keys.authenticate(session, issued.secret) == proved
    keys.forget(proved.key_id)
    async with db.transaction(writes=False) as session:
        with pytest.raises(Unauthorized):
            await keys.authenticate(session, issued.secret)
