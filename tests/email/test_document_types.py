"""Quotes, credit notes and receipts are sent like invoices: each with its own stage's
template, its PDF, and its own `.sent` event when the mail server takes it."""

import pytest

from faktura.config import Settings
from faktura.db.session import Database
from tests.accounts.factories import ApiClient
from tests.customers.factories import events
from tests.documents.factories import create_document
from tests.email.conftest import run_mail_jobs
from tests.email.factories import address, customer_with, message, send
from tests.email.sink import Sink


@pytest.mark.parametrize(
    ("path", "doc_type"),
    [("quotes", "quote"), ("credit_notes", "credit_note"), ("receipts", "receipt")],
)
async def test_each_type_is_sent_with_its_stage_pdf_and_event(
    api: ApiClient, db: Database, mail_settings: Settings, sink: Sink, path: str, doc_type: str
) -> None:
    to = address()
    customer = await customer_with(api, to)
    extra = {}
    if doc_type == "credit_note":
        reduced = await create_document(api, customer_id=customer["id"], locale="en")
        extra = {"related_document_id": reduced["id"]}
    document = await create_document(api, path, customer_id=customer["id"], locale="en", **extra)

    queued = await send(api, document, path)
    await run_mail_jobs(db, mail_settings, api.account_id)

    [received] = sink.to(to)
    sent = await message(api, queued["id"])
    assert (sent["status"], sent["stage"], sent["to"]) == ("sent", doc_type, [to])
    assert document["number"] in received.message["Subject"]
    attachment = next(part for part in received.message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename().endswith(f"{document['number']}.pdf")
    shown = (await api.get(f"/v1/{path}/{document['id']}")).json()
    assert shown["sent_at"] is not None
    types = [e["type"] for e in await events(api) if e["type"].endswith(".sent")]
    assert types == [f"{doc_type}.sent", "message.sent"]
