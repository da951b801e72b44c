"""Due messages go in batches: one run decides, sends and records several, and what goes wrong
with one of them stays with that one."""

import base64
import io
import shutil
import uuid
from datetime import timedelta

from pypdf import PdfWriter
from sqlalchemy import select, update

from faktura.config import Settings
from faktura.db.session import Database
from faktura.email.jobs import DELIVER
from faktura.email.models import Message
from faktura.jobs.models import Job
from tests.accounts.factories import ApiClient
from tests.customers.factories import events
from tests.email.conftest import run_mail_jobs
from tests.email.factories import address, invoice_to, message, send
from tests.email.sink import Sink
from tests.listeners import free_port


async def _job_of(db: Database, message_id: str) -> Job:
    async with db.transaction(writes=False) as session:
        found = await session.execute(
            select(Job).where(Job.kind == DELIVER.name, Job.dedupe_key == f"message:{message_id}")
        )
        return found.scalar_one()


async def _queued_to(api: ApiClient, count: int, **body: object) -> list[tuple[str, dict]]:
    sent = []
    for _ in range(count):
        to = address()
        invoice = await invoice_to(api, to)
        sent.append((to, await send(api, invoice, **body)))
    return sent


async def test_one_run_sends_a_batch_over_one_connection_and_records_each_message(
    api: ApiClient, db: Database, mail_settings: Settings, sink: Sink
) -> None:
    queued = await _queued_to(api, 3)
    conversations = sink.conversations

    outcomes = await run_mail_jobs(db, mail_settings, api.account_id)

    assert [o.status for o in outcomes] == ["succeeded"] * 3
    assert sink.conversations - conversations <= 1  # one connection for the batch
    for to, sent in queued:
        [received] = sink.to(to)
        recorded = await message(api, sent["id"])
        assert (recorded["status"], recorded["attempts"]) == ("sent", 1)
        assert received.message["Message-ID"] == recorded["message_id"]
        document = (await api.get(f"/v1/invoices/{recorded['document_id']}")).json()
        assert document["sent_at"] is not None
    sent_ids = sorted(sent["id"] for _, sent in queued)
    documents = sorted(sent["document_id"] for _, sent in queued)
    assert sorted(e["object_id"] for e in await events(api, "message.sent")) == sent_ids
    assert sorted(e["object_id"] for e in await events(api, "invoice.sent")) == documents


async def test_a_message_that_cannot_be_decided_fails_its_own_job_only(
    api: ApiClient, db: Database, mail_settings: Settings, sink: Sink
) -> None:
    (good_to, good), (bad_to, bad) = await _queued_to(api, 2)
    async with db.transaction() as session:  # its payment link is gone: reading it fails
        await session.execute(
            update(Message)
            .where(Message.id == uuid.UUID(bad["id"]))
            .values(payment_link_id=uuid.uuid4())
        )

    outcomes = await run_mail_jobs(db, mail_settings, api.account_id)

    job = await _job_of(db, bad["id"])
    assert sorted(o.status for o in outcomes) == ["queued", "succeeded"]
    assert (await message(api, good["id"]))["status"] == "sent"
    assert len(sink.to(good_to)) == 1
    untouched = await message(api, bad["id"])
    assert (untouched["status"], untouched["attempts"], untouched["subject"]) == (
        "queued",
        0,
        None,
    )
    assert sink.to(bad_to) == []
    assert (job.status, job.attempts) == ("queued", 1)
    assert job.last_error is not None
    assert "Payment link not found" in job.last_error


async def test_a_lost_attachment_holds_up_its_own_message_only(
    api: ApiClient, db: Database, mail_settings: Settings, sink: Sink
) -> None:
    lost_to, kept_to = address(), address()
    lost = await invoice_to(api, lost_to)
    kept = await invoice_to(api, kept_to)
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    pdf = io.BytesIO()
    writer.write(pdf)
    uploaded = await api.post(
        f"/v1/invoices/{lost['id']}/pdf",
        json={"action": "upload_pdf", "pdf_base64": base64.b64encode(pdf.getvalue()).decode()},
    )
    assert uploaded.status_code == 200, uploaded.text
    shutil.rmtree(mail_settings.files_dir / "pdfs" / str(api.account_id) / lost["id"])
    waiting = await send(api, lost)
    going = await send(api, kept)

    outcomes = await run_mail_jobs(db, mail_settings, api.account_id)

    assert sorted(o.status for o in outcomes) == ["queued", "succeeded"]
    assert (await message(api, going["id"]))["status"] == "sent"
    assert len(sink.to(kept_to)) == 1
    held = await message(api, waiting["id"])
    assert held["status"] == "queued"
    assert held["error"].startswith("the attachment could not be made")
    assert sink.to(lost_to) == []


async def test_a_server_that_cannot_be_reached_is_tried_once_for_the_batch(
    api: ApiClient, db: Database, mail_settings: Settings, clock: list
) -> None:
    nowhere = mail_settings.model_copy(update={"test_smtp_url": f"smtp://127.0.0.1:{free_port()}"})
    queued = await _queued_to(api, 3)

    outcomes = await run_mail_jobs(db, nowhere, api.account_id)

    assert [o.status for o in outcomes] == ["queued"] * 3
    answers = set()
    for _, sent in queued:
        waiting = await message(api, sent["id"])
        job = await _job_of(db, sent["id"])
        assert (waiting["status"], waiting["attempts"]) == ("queued", 1)
        assert (job.status, job.attempts) == ("queued", 1)
        assert job.run_at == clock[0] + timedelta(minutes=1)  # the first back-off
        answers.add(waiting["last_response"])
    [answer] = answers
    assert answer.startswith("SMTPConnectError")


async def test_a_batch_short_of_time_gives_back_the_messages_it_did_not_send(
    api: ApiClient, db: Database, mail_settings: Settings, sink: Sink
) -> None:
    """With a lease shorter than an SMTP timeout and the time to record, a run sends one
    message to a server and gives the others back, uncounted: the next runs send them."""
    short = mail_settings.model_copy(
        update={
            "job_lease_seconds": 6.0,
            "webhook_timeout_seconds": 3.0,
            "clearance_timeout_seconds": 3.0,
        }
    )
    queued = await _queued_to(api, 3)

    outcomes = await run_mail_jobs(db, short, api.account_id)

    assert sorted(o.status for o in outcomes) == ["queued"] * 3 + ["succeeded"] * 3
    for to, sent in queued:
        recorded = await message(api, sent["id"])
        job = await _job_of(db, sent["id"])
        assert (recorded["status"], recorded["attempts"]) == ("sent", 1)
        assert (job.status, job.attempts) == ("succeeded", 1)
        assert len(sink.to(to)) == 1
