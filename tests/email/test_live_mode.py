"""Live mode: the account's own mail server, or the server-wide one, or a clear failure; the
stored SMTP password is encrypted with the installation's key."""

import httpx
import pytest
from sqlalchemy import select

from faktura.accounts.models import Account
from faktura.config import Settings
from faktura.core import secrets
from faktura.db.session import Database
from tests.accounts.factories import create_account_with_key
from tests.customers.factories import events
from tests.email.conftest import run_mail_jobs
from tests.email.factories import address, invoice_to, message, send
from tests.email.sink import Sink


async def test_live_mode_uses_the_accounts_own_server(
    db: Database, http: httpx.AsyncClient, settings: Settings, sink: Sink
) -> None:
    live = await create_account_with_key(db, http, livemode=True)
    saved = await live.patch(
        "/v1/account/email_settings",
        json={
            "from_name": "Acme Billing",
            "from_address": "ar@acme.example",
            "smtp": {"url": sink.url},
        },
    )
    to = address("live")
    invoice = await invoice_to(live, to)

    queued = await send(live, invoice)
    await run_mail_jobs(db, settings, live.account_id)  # no server-wide server at all

    [received] = sink.to(to)
    assert saved.status_code == 200, saved.text
    assert settings.smtp_url is None
    assert (await message(live, queued["id"]))["status"] == "sent"
    assert received.sender == "ar@acme.example"
    assert received.message["From"] == "Acme Billing <ar@acme.example>"


async def test_live_mode_without_a_mail_server_fails_with_the_reason(
    db: Database, http: httpx.AsyncClient, settings: Settings, sink: Sink
) -> None:
    live = await create_account_with_key(db, http, livemode=True)
    to = address("nowhere")
    invoice = await invoice_to(live, to)

    queued = await send(live, invoice)
    await run_mail_jobs(db, settings, live.account_id)

    failed = await message(live, queued["id"])
    assert failed["status"] == "failed"
    assert failed["error"] == "no mail server: set FAKTURA_SMTP_URL or the account's smtp"
    assert sink.to(to) == []
    assert [e["type"] for e in await events(live) if e["type"].startswith("message.")] == [
        "message.failed"
    ]


async def test_the_smtp_password_is_stored_encrypted_and_read_back_with_the_key(
    db: Database, http: httpx.AsyncClient, settings: Settings
) -> None:
    api = await create_account_with_key(db, http)
    await api.patch(
        "/v1/account/email_settings",
        json={"smtp": {"url": "smtp://mail.example.com:587", "username": "u", "password": "pw-1"}},
    )

    async with db.transaction(writes=False) as session:
        stored = (
            await session.execute(
                select(Account.email_settings).where(Account.id == api.account_id)
            )
        ).scalar_one()
    token = stored["smtp"]["password_encrypted"]
    other_key = settings.model_copy(update={"secret_key": "another installation"})
    assert "pw-1" not in token
    assert secrets.decrypt(settings, token) == "pw-1"
    with pytest.raises(secrets.SecretUnreadable):
        secrets.decrypt(other_key, token)


async def test_an_unreadable_password_fails_the_message_with_the_reason(
    db: Database, http: httpx.AsyncClient, settings: Settings, sink: Sink
) -> None:
    live = await create_account_with_key(db, http, livemode=True)
    await live.patch(
        "/v1/account/email_settings",
        json={"smtp": {"url": sink.url, "username": "u", "password": "pw"}},
    )
    invoice = await invoice_to(live, address())
    queued = await send(live, invoice)
    moved = settings.model_copy(update={"secret_key": "a key this password was not sealed with"})

    await run_mail_jobs(db, moved, live.account_id)

    failed = await message(live, queued["id"])
    assert failed["status"] == "failed"
    assert failed["error"] == (
        "the mail server settings cannot be used: A stored secret cannot be read with this "
        "installation's FAKTURA_SECRET_KEY"
    )
