"""Bad sends, bad settings and bad policies: the API's error object, and nothing written."""

import base64
import io
import shutil
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from pypdf import PdfWriter
from sqlalchemy import update

from faktura.config import Settings
from faktura.db.session import Database
from faktura.email.jobs import ATTEMPTS, DELIVER
from faktura.jobs.models import Job
from tests.accounts.factories import ApiClient, create_account_with_key
from tests.customers.factories import events
from tests.email.conftest import run_mail_jobs
from tests.email.factories import address, invoice_to, message, send
from tests.email.sink import Sink


async def _messages(api: ApiClient) -> list[dict]:
    return (await api.get("/v1/messages?per_page=100")).json()["data"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"to": ["not-an-address"]}, "to[0]"),
        ({"to": []}, "to"),
        ({"cc": "a@example.com"}, "cc"),
        ({"cc_self": "yes"}, "cc_self"),
        ({"attach_pdf": 1}, "attach_pdf"),
        ({"scheduled_date": "2026-03-02T09:00:00"}, "scheduled_date"),
        ({"scheduled_date": "tomorrow"}, "scheduled_date"),
        ({"template_id": "nope"}, "template_id"),
        ({"include_payment_link": "yes"}, "include_payment_link"),
        ({"to": [f"r{i}@example.com" for i in range(21)]}, "to"),
    ],
)
async def test_a_bad_send_is_422_and_sends_nothing(api: ApiClient, body: dict, field: str) -> None:
    draft = await invoice_to(api, address(), status="draft")

    response = await api.post(f"/v1/invoices/{draft['id']}/send", json=body)

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert [d["field"] for d in error["details"]] == [field]
    assert await _messages(api) == []
    assert (await api.get(f"/v1/invoices/{draft['id']}")).json()["status"] == "draft"


async def test_malformed_json_is_400_and_sends_nothing(api: ApiClient) -> None:
    invoice = await invoice_to(api, address())

    response = await api.post(
        f"/v1/invoices/{invoice['id']}/send",
        content=b'{"to": [',
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    assert await _messages(api) == []


async def test_unknown_and_other_accounts_documents_are_404(
    api: ApiClient, db: Database, http: httpx.AsyncClient
) -> None:
    other = await create_account_with_key(db, http)
    theirs = await invoice_to(other, address())
    mine = await invoice_to(api, address())

    unknown = await api.post(f"/v1/invoices/{uuid.uuid4()}/send", json={})
    foreign = await api.post(f"/v1/invoices/{theirs['id']}/send", json={})
    wrong_type = await api.post(f"/v1/quotes/{mine['id']}/send", json={})
    no_template = await api.post(
        f"/v1/invoices/{mine['id']}/send", json={"template_id": str(uuid.uuid4())}
    )

    for response in (unknown, foreign, wrong_type, no_template):
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "not_found"
    assert await _messages(api) == []
    assert await _messages(other) == []


async def test_a_cancelled_document_is_not_sent(api: ApiClient) -> None:
    invoice = await invoice_to(api, address())
    cancelled = await api.post(f"/v1/invoices/{invoice['id']}/cancel", json={})

    response = await api.post(f"/v1/invoices/{invoice['id']}/send", json={})

    assert cancelled.status_code == 200, cancelled.text
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_state"
    assert await _messages(api) == []


async def test_send_email_on_create_writes_the_message_with_the_document(api: ApiClient) -> None:
    customer_email = address()
    created = await invoice_to(api, customer_email, send_email=True)
    refused = await api.post(
        "/v1/invoices",
        json={
            "customer_id": created["customer_id"],
            "status": "draft",
            "send_email": True,
            "line_items": [{"description": "x", "quantity": "1", "unit_price": "1"}],
        },
    )

    [queued] = await _messages(api)
    assert queued["document_id"] == created["id"]
    assert queued["status"] == "queued"
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "send_email"


async def test_the_seed_action_form_sends_and_refuses_fields_of_another_action(
    api: ApiClient,
) -> None:
    draft = await invoice_to(api, address(), status="draft")

    sent = await api.post(f"/v1/invoices/{draft['id']}?action=send", json={"cc_self": True})
    mixed = await api.post(f"/v1/invoices/{draft['id']}?action=delete_pdf", json={"cc_self": True})
    bad = await api.post(f"/v1/invoices/{draft['id']}?action=mail", json={})

    assert sent.status_code == 202, sent.text
    assert sent.json()["object"] == "message"
    assert sent.json()["cc_self"] is True
    assert (await api.get(f"/v1/invoices/{draft['id']}")).json()["status"] == "pending"
    assert mixed.status_code == 422
    assert mixed.json()["error"]["details"][0]["field"] == "cc_self"
    assert bad.status_code == 422


async def test_message_lists_filter_and_unknown_messages_are_404(api: ApiClient) -> None:
    first = await invoice_to(api, address())
    second = await invoice_to(api, address())
    await api.post(f"/v1/invoices/{first['id']}/send", json={})
    await api.post(f"/v1/invoices/{second['id']}/send", json={})

    by_document = (await api.get(f"/v1/messages?document_id={first['id']}")).json()["data"]
    by_customer = (await api.get(f"/v1/messages?customer_id={second['customer_id']}")).json()
    by_status = (await api.get("/v1/messages?status=sent")).json()["data"]
    bad_status = await api.get("/v1/messages?status=lost")
    unknown = await api.get(f"/v1/messages/{uuid.uuid4()}")
    cancel_unknown = await api.post(f"/v1/messages/{uuid.uuid4()}/cancel")

    assert [m["document_id"] for m in by_document] == [first["id"]]
    assert [m["document_id"] for m in by_customer["data"]] == [second["id"]]
    assert by_status == []
    assert bad_status.status_code == 422
    assert unknown.status_code == 404
    assert cancel_unknown.status_code == 404


async def test_email_settings_keep_the_password_secret(api: ApiClient) -> None:
    saved = await api.patch(
        "/v1/account/email_settings",
        json={
            "from_name": "Acme Billing",
            "smtp": {
                "url": "smtp://mail.example.com:587",
                "username": "acme",
                "password": "s3cret",
            },
        },
    )
    kept = await api.patch(
        "/v1/account/email_settings",
        json={"smtp": {"url": "smtp://mail.example.com:587", "username": "acme"}},
    )
    in_url = await api.patch(
        "/v1/account/email_settings", json={"smtp": {"url": "smtp://acme:pw@mail.example.com"}}
    )
    not_smtp = await api.patch("/v1/account/email_settings", json={"smtp": {"url": "http://x"}})
    account = (await api.get("/v1/account")).text

    assert saved.status_code == 200, saved.text
    assert saved.json() == {
        "object": "email_settings",
        "from_name": "Acme Billing",
        "from_address": None,
        "reply_to": None,
        "smtp": {"url": "smtp://mail.example.com:587", "username": "acme", "password_set": True},
    }
    assert kept.json()["smtp"]["password_set"] is True
    assert in_url.status_code == 422
    assert not_smtp.status_code == 422
    assert "s3cret" not in saved.text + kept.text + account
    assert (await api.get("/v1/account/email_settings")).json() == kept.json()


@pytest.mark.parametrize(
    ("policy", "field"),
    [
        ({"send_hour": 24}, "send_hour"),
        ({"steps": [{"offset_days": 400}]}, "steps[0].offset_days"),
        ({"steps": [{"offset_days": 1}, {"offset_days": 1}]}, "steps"),
        (
            {"steps": [{"offset_days": 1, "stage": "overdue", "template_id": str(uuid.uuid4())}]},
            "steps[0].template_id",
        ),
        ({"steps": [{"offset_days": "3"}]}, "steps[0].offset_days"),
        ({"steps": [{"offset_days": 3, "escalation_level": -1}]}, "steps[0].escalation_level"),
    ],
)
async def test_a_bad_reminder_policy_is_422_and_changes_nothing(
    api: ApiClient, policy: dict, field: str
) -> None:
    before = (await api.get("/v1/account/reminders")).json()

    response = await api.put("/v1/account/reminders", json=policy)

    assert response.status_code == 422, response.text
    assert [d["field"] for d in response.json()["error"]["details"]] == [field]
    assert (await api.get("/v1/account/reminders")).json() == before


async def test_a_reminder_step_naming_an_unknown_template_is_404(api: ApiClient) -> None:
    response = await api.put(
        "/v1/account/reminders",
        json={"steps": [{"offset_days": 3, "template_id": str(uuid.uuid4())}]},
    )

    assert response.status_code == 404
    assert (await api.get("/v1/account/reminders")).json()["steps"] == []


async def test_a_pdf_that_cannot_be_attached_is_retried_then_fails(
    api: ApiClient, db: Database, mail_settings: Settings, sink: Sink
) -> None:
    to = address()
    invoice = await invoice_to(api, to)
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    pdf = io.BytesIO()
    writer.write(pdf)
    uploaded = await api.post(
        f"/v1/invoices/{invoice['id']}/pdf",
        json={"action": "upload_pdf", "pdf_base64": base64.b64encode(pdf.getvalue()).decode()},
    )
    assert uploaded.status_code == 200, uploaded.text
    shutil.rmtree(mail_settings.files_dir / "pdfs" / str(api.account_id) / invoice["id"])
    queued = await send(api, invoice)

    [first] = await run_mail_jobs(db, mail_settings, api.account_id)
    waiting = await message(api, queued["id"])
    async with db.transaction() as session:  # the back-off is over, and this is the last try
        await session.execute(
            update(Job)
            .where(Job.kind == DELIVER.name, Job.account_id == api.account_id)
            .values(attempts=ATTEMPTS - 1, run_at=datetime(2000, 1, 1, tzinfo=UTC))
        )
    [last] = await run_mail_jobs(db, mail_settings, api.account_id)
    failed = await message(api, queued["id"])

    reason = (
        "the attachment could not be made: The uploaded PDF is missing from the file store; "
        "upload it again"
    )
    assert (first.status, waiting["status"], waiting["error"]) == ("queued", "queued", reason)
    assert (last.status, failed["status"], failed["error"]) == ("succeeded", "failed", reason)
    assert [e["object_id"] for e in await events(api, "message.failed")] == [queued["id"]]
    assert sink.to(to) == []
