"""Sending a document: the message written in the request, delivered by the job through a
real SMTP server on loopback, and what the server received."""

from datetime import timedelta
from email.header import decode_header, make_header

from faktura.config import Settings
from faktura.db.session import Database
from tests.accounts.factories import ApiClient
from tests.customers.factories import events
from tests.documents.factories import create_document
from tests.email.conftest import run_mail_jobs
from tests.email.factories import address, customer_with, invoice_to, message, send
from tests.email.sink import Sink
from tests.pdfs.reading import pages_text


async def test_a_sent_invoice_arrives_with_html_text_and_its_pdf(
    api: ApiClient, db: Database, mail_settings: Settings, sink: Sink
) -> None:
    to = address()
    invoice = await invoice_to(api, to)

    queued = await send(api, invoice)
    await run_mail_jobs(db, mail_settings, api.account_id)

    [received] = sink.to(to)
    mail = received.message
    sent = await message(api, queued["id"])
    assert queued["status"] == "queued"
    assert queued["to"] is None  # looked up when it goes out
    assert sent["status"] == "sent"
    assert sent["to"] == [to]
    assert sent["attempts"] == 1
    assert sent["last_response"].startswith("250")
    assert received.sender == "billing@localhost"
    assert received.recipients == [to]
    assert mail["From"] == "Acme Ltd <billing@localhost>"
    assert mail["To"] == to
    assert mail["Message-ID"] == sent["message_id"] == f"<{sent['id']}@localhost>"
    assert mail["Subject"] == f"Invoice {invoice['number']} from Acme Ltd" == sent["subject"]
    assert mail.get_content_type() == "multipart/mixed"
    body, attachment = mail.iter_parts()
    assert body.get_content_type() == "multipart/alternative"
    text, html = body.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert html.get_content_type() == "text/html"
    assert f"invoice {invoice['number']} for ₪118.00, due on December 23, 2026." in (
        text.get_content()
    )  # 100.00 plus VAT at 18 %
    assert f"<td>{invoice['number']}</td>" in html.get_content()
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"invoice-{invoice['number']}.pdf"
    assert invoice["number"] in "\n".join(pages_text(attachment.get_content()))
    document = (await api.get(f"/v1/invoices/{invoice['id']}")).json()
    assert document["sent_at"] is not None
    sent_events = [e for e in await events(api) if e["type"] in ("invoice.sent", "message.sent")]
    assert [e["type"] for e in sent_events] == ["invoice.sent", "message.sent"]
    assert sent_events[1]["data"]["object"]["id"] == sent["id"]


async def test_cc_and_cc_self_and_subjects_in_hebrew_and_greek(
    api: ApiClient, db: Database, mail_settings: Settings, sink: Sink
) -> None:
    reply_to = address("office")
    response = await api.patch("/v1/account/email_settings", json={"reply_to": reply_to})
    assert response.status_code == 200, response.text
    to_he, to_el, cc = address("he"), address("el"), address("cc")
    hebrew = await invoice_to(api, to_he, locale="he")
    greek = await invoice_to(api, to_el, locale="el")

    await send(api, hebrew, cc=[cc], cc_self=True)
    await send(api, greek)
    await run_mail_jobs(db, mail_settings, api.account_id)

    [he] = sink.to(to_he)
    [el] = sink.to(to_el)
    assert sorted(he.recipients) == sorted([to_he, cc, reply_to])
    assert he.message["Cc"] == f"{cc}, {reply_to}"
    assert he.message["Reply-To"] == reply_to
    raw_subject = he.data.split(b"\r\nSubject: ", 1)[1].split(b"\r\n", 1)[0]
    assert raw_subject.startswith(b"=?utf-8?")  # RFC 2047: no raw UTF-8 in a header
    assert str(make_header(decode_header(raw_subject.decode()))) == (
        f"חשבונית {hebrew['number']} מאת Acme Ltd"
    )
    assert he.message["Subject"] == f"חשבונית {hebrew['number']} מאת Acme Ltd"
    assert 'dir="rtl"' in he.message.get_body(("html",)).get_content()
    assert el.message["Subject"] == f"Τιμολόγιο {greek['number']} από Acme Ltd"
    assert el.message["Content-Language"] == "el"


async def test_a_draft_is_issued_once_by_its_send_even_when_the_send_is_retried(
    api: ApiClient,
) -> None:
    draft = await invoice_to(api, address(), status="draft")
    key = {"Idempotency-Key": "send-draft-1"}

    first = await api.post(f"/v1/invoices/{draft['id']}/send", json={}, headers=key)
    again = await api.post(f"/v1/invoices/{draft['id']}/send", json={}, headers=key)
    second = await send(api, draft)

    invoice = (await api.get(f"/v1/invoices/{draft['id']}")).json()
    listed = (await api.get(f"/v1/messages?document_id={draft['id']}")).json()["data"]
    finalized = [e for e in await events(api) if e["type"] == "invoice.finalized"]
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert invoice["status"] == "pending"
    assert invoice["number"] is not None
    assert len(finalized) == 1
    assert sorted(m["id"] for m in listed) == sorted([first.json()["id"], second["id"]])


async def test_a_scheduled_send_goes_when_the_clock_reaches_it_and_not_before(
    api: ApiClient, db: Database, mail_settings: Settings, sink: Sink, clock: list
) -> None:
    to = address()
    invoice = await invoice_to(api, to)
    at = clock[0] + timedelta(hours=2)

    queued = await send(api, invoice, scheduled_date=at.isoformat())
    clock[0] = at - timedelta(seconds=1)
    await run_mail_jobs(db, mail_settings, api.account_id)
    before = await message(api, queued["id"])
    clock[0] = at
    await run_mail_jobs(db, mail_settings, api.account_id)

    assert queued["status"] == "scheduled"
    assert queued["scheduled_at"] == at.isoformat().replace("+00:00", "Z")
    assert before["status"] == "scheduled"
    assert (await message(api, queued["id"]))["status"] == "sent"
    assert len(sink.to(to)) == 1


async def test_a_past_scheduled_date_sends_now(api: ApiClient, clock: list) -> None:
    invoice = await invoice_to(api, address())

    queued = await send(api, invoice, scheduled_date=(clock[0] - timedelta(days=1)).isoformat())

    assert queued["status"] == "queued"
    assert queued["scheduled_at"] == clock[0].isoformat().replace("+00:00", "Z")


async def test_a_scheduled_message_cancelled_before_it_goes_is_never_sent(
    api: ApiClient, db: Database, mail_settings: Settings, sink: Sink, clock: list
) -> None:
    to = address()
    invoice = await invoice_to(api, to)
    queued = await send(api, invoice, scheduled_date=(clock[0] + timedelta(hours=1)).isoformat())

    cancelled = await api.post(f"/v1/messages/{queued['id']}/cancel")
    clock[0] += timedelta(hours=2)
    await run_mail_jobs(db, mail_settings, api.account_id)
    again = await api.post(f"/v1/messages/{queued['id']}/cancel")

    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert (await message(api, queued["id"]))["status"] == "cancelled"
    assert sink.to(to) == []
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "invalid_state"


async def test_a_421_then_250_delivers_one_message_after_a_retry(
    api: ApiClient, db: Database, mail_settings: Settings, sink: Sink, clock: list
) -> None:
    to = address()
    sink.answer_data(to, "421 4.3.2 Service not available, try later")
    invoice = await invoice_to(api, to)
    queued = await send(api, invoice)

    await run_mail_jobs(db, mail_settings, api.account_id)
    waiting = await message(api, queued["id"])
    clock[0] += timedelta(seconds=59)
    await run_mail_jobs(db, mail_settings, api.account_id)
    still = await message(api, queued["id"])
    clock[0] += timedelta(seconds=2)  # the first back-off is a minute
    await run_mail_jobs(db, mail_settings, api.account_id)

    sent = await message(api, queued["id"])
    assert waiting["status"] == "queued"
    assert waiting["attempts"] == 1
    assert waiting["last_response"] == "421 4.3.2 Service not available, try later"
    assert still["attempts"] == 1
    assert sent["status"] == "sent"
    assert sent["attempts"] == 2
    assert len(sink.to(to)) == 1


async def test_a_550_bounces_and_the_next_send_to_the_address_is_suppressed(
    api: ApiClient, db: Database, mail_settings: Settings, sink: Sink
) -> None:
    to = address("gone")
    sink.refuse(to, "550 5.1.1 <gone> No such user")
    invoice = await invoice_to(api, to)
    first = await send(api, invoice)
    await run_mail_jobs(db, mail_settings, api.account_id)
    conversations = sink.conversations

    second = await send(api, invoice)
    await run_mail_jobs(db, mail_settings, api.account_id)

    bounced = await message(api, first["id"])
    suppressed = await message(api, second["id"])
    listed = (await api.get("/v1/email_suppressions")).json()["data"]
    assert bounced["status"] == "bounced"
    assert bounced["last_response"] == f"{to}: 550 5.1.1 <gone> No such user"
    assert suppressed["status"] == "suppressed"
    assert suppressed["error"] == f"every recipient bounced before: {to}"
    assert sink.conversations == conversations  # the suppressed one never reached the server
    assert [(s["email"], s["message_id"]) for s in listed] == [(to, first["id"])]
    assert [e["type"] for e in await events(api) if e["type"].startswith("message.")] == [
        "message.bounced"
    ]

    sink.accept(to)  # the mailbox exists again
    cleared = await api.delete(f"/v1/email_suppressions/{to}")
    third = await send(api, invoice)
    await run_mail_jobs(db, mail_settings, api.account_id)
    assert cleared.status_code == 200
    assert (await message(api, third["id"]))["status"] == "sent"


async def test_test_mode_without_a_sink_captures_and_reaches_no_server(
    api: ApiClient, db: Database, settings: Settings, sink: Sink
) -> None:
    to = address()
    invoice = await invoice_to(api, to)
    conversations = sink.conversations

    queued = await send(api, invoice)
    await run_mail_jobs(db, settings, api.account_id)  # no FAKTURA_TEST_SMTP_URL

    captured = await message(api, queued["id"])
    assert settings.test_smtp_url is None
    assert captured["status"] == "captured"
    assert captured["subject"] == f"Invoice {invoice['number']} from Acme Ltd"
    assert captured["to"] == [to]
    assert captured["attempts"] == 0
    assert sink.conversations == conversations
    assert sink.to(to) == []
    assert (await api.get(f"/v1/invoices/{invoice['id']}")).json()["sent_at"] is None


async def test_a_scheduled_message_goes_to_the_contacts_address_of_when_it_is_sent(
    api: ApiClient, db: Database, mail_settings: Settings, sink: Sink, clock: list
) -> None:
    old, new = address("old"), address("new")
    customer = await customer_with(api, old)
    invoice = await create_document(api, customer_id=customer["id"], locale="en")
    queued = await send(api, invoice, scheduled_date=(clock[0] + timedelta(days=1)).isoformat())

    contact_id = customer["contacts"][0]["id"]
    changed = await api.patch(
        f"/v1/contacts/{contact_id}", json={"email": new, "contact_name": "Noa New"}
    )
    clock[0] += timedelta(days=1)
    await run_mail_jobs(db, mail_settings, api.account_id)

    assert changed.status_code == 200, changed.text
    assert sink.to(old) == []
    [received] = sink.to(new)
    assert "Hello Noa New," in received.message.get_body(("plain",)).get_content()
    assert (await message(api, queued["id"]))["to"] == [new]
