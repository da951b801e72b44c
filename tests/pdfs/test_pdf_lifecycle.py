"""An issued document's PDF: archived by a job after the issuing commit, served with its
hash as ETag; uploaded, deleted and generated again by the actions, with their rules."""

import base64
import hashlib
import io
import uuid
from datetime import timedelta
from typing import Any

import pytest
from pypdf import PdfWriter

from faktura.config import Settings
from faktura.db.session import Database
from tests.accounts.factories import ApiClient, create_account_with_key
from tests.assertions import assert_error
from tests.customers.factories import events
from tests.documents.factories import create_document, exact
from tests.pdfs.factories import image, run_archive_jobs


def _a_pdf(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def _document(api: ApiClient, document: dict[str, Any]) -> dict[str, Any]:
    response = await api.get(f"/v1/documents/{document['id']}")
    result: dict[str, Any] = exact(response)
    return result


async def test_an_issued_invoice_is_archived_by_the_job_after_issue(
    api: ApiClient, db: Database, settings: Settings
) -> None:
    invoice = await create_document(api)
    assert invoice["pdf"] == {
        "status": "pending",
        "source": None,
        "url": f"/v1/invoices/{invoice['id']}/pdf",
        "sha256": None,
        "size": None,
        "generated_at": None,
    }

    outcomes = await run_archive_jobs(db, settings, api.account_id)

    assert any(o.status == "succeeded" and (o.result or {}).get("archived") for o in outcomes)
    pdf = (await _document(api, invoice))["pdf"]
    assert (pdf["status"], pdf["source"]) == ("ready", "generated")
    served = await api.get(pdf["url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/pdf"
    assert served.content.startswith(b"%PDF-")
    assert pdf["sha256"] == hashlib.sha256(served.content).hexdigest()
    assert pdf["size"] == len(served.content)
    assert served.headers["etag"] == f'"{pdf["sha256"]}"'
    assert served.headers["content-disposition"] == (
        f'inline; filename="invoice-{invoice["number"]}.pdf"'
    )


async def test_if_none_match_with_the_etag_answers_304(api: ApiClient) -> None:
    invoice = await create_document(api)
    first = await api.get(f"/v1/invoices/{invoice['id']}/pdf")

    cached = await api.get(
        f"/v1/invoices/{invoice['id']}/pdf", headers={"If-None-Match": first.headers["etag"]}
    )
    stale = await api.get(f"/v1/invoices/{invoice['id']}/pdf", headers={"If-None-Match": '"x"'})
    among = await api.get(
        f"/v1/invoices/{invoice['id']}/pdf",
        headers={"If-None-Match": f'"x", W/{first.headers["etag"]}'},
    )
    anything = await api.get(f"/v1/invoices/{invoice['id']}/pdf", headers={"If-None-Match": "*"})

    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["etag"] == first.headers["etag"]
    assert stale.status_code == 200
    assert stale.content == first.content
    assert (among.status_code, anything.status_code) == (304, 304)


async def test_asked_for_before_the_job_ran_it_is_archived_once_on_the_spot(
    api: ApiClient, db: Database, settings: Settings
) -> None:
    invoice = await create_document(api)

    first = await api.get(f"/v1/invoices/{invoice['id']}/pdf")
    after = (await _document(api, invoice))["pdf"]
    outcomes = await run_archive_jobs(db, settings, api.account_id)
    second = await api.get(f"/v1/invoices/{invoice['id']}/pdf")

    assert after["status"] == "ready"
    assert after["sha256"] == hashlib.sha256(first.content).hexdigest()
    assert second.content == first.content
    assert (await _document(api, invoice))["pdf"] == after  # the job found nothing to do
    assert not any((o.result or {}).get("archived") for o in outcomes)


async def test_generating_again_an_unchanged_document_changes_nothing(api: ApiClient) -> None:
    invoice = await create_document(api)
    path = f"/v1/invoices/{invoice['id']}/pdf"

    first = exact(await api.post(path, json={"action": "generate_pdf"}))
    second = exact(await api.post(path, json={"action": "generate_pdf"}))

    assert first["pdf"]["status"] == "ready"
    assert second == first  # same bytes, same hash, same updated_at


async def test_an_uploaded_pdf_replaces_the_generated_one_until_deleted(
    api: ApiClient, db: Database, settings: Settings
) -> None:
    invoice = await create_document(api)
    path = f"/v1/invoices/{invoice['id']}/pdf"
    mine = _a_pdf(pages=2)

    uploaded = await api.post(path, json={"action": "upload_pdf", "pdf_base64": _b64(mine)})

    assert uploaded.status_code == 200, uploaded.text
    pdf = exact(uploaded)["pdf"]
    assert (pdf["status"], pdf["source"], pdf["size"]) == ("ready", "user_upload", len(mine))
    assert pdf["sha256"] == hashlib.sha256(mine).hexdigest()
    assert (await api.get(path)).content == mine
    # Generating over an upload is refused; the job leaves it alone.
    refused = await api.post(path, json={"action": "generate_pdf"})
    assert_error(refused, 409, "invalid_state")
    await run_archive_jobs(db, settings, api.account_id)
    assert (await api.get(path)).content == mine

    deleted = await api.post(path, json={"action": "delete_pdf"})

    assert exact(deleted)["pdf"]["status"] == "pending"
    await run_archive_jobs(db, settings, api.account_id)
    pdf = (await _document(api, invoice))["pdf"]
    assert (pdf["status"], pdf["source"]) == ("ready", "generated")
    assert (await api.get(path)).content != mine


async def test_seed_action_form_takes_the_same_actions(api: ApiClient) -> None:
    invoice = await create_document(api)
    mine = _a_pdf()

    uploaded = await api.post(
        f"/v1/invoices/{invoice['id']}?action=upload_pdf", json={"pdf_base64": _b64(mine)}
    )
    refused = await api.post(f"/v1/invoices/{invoice['id']}?action=generate_pdf")
    deleted = await api.post(f"/v1/invoices/{invoice['id']}?action=delete_pdf")
    generated = await api.post(f"/v1/invoices/{invoice['id']}?action=generate_pdf")
    unknown = await api.post(f"/v1/invoices/{invoice['id']}?action=print")
    no_bytes = await api.post(f"/v1/invoices/{invoice['id']}?action=upload_pdf")
    empty = await api.post(
        f"/v1/invoices/{invoice['id']}?action=upload_pdf", json={"pdf_base64": ""}
    )
    stray = await api.post(
        f"/v1/invoices/{invoice['id']}?action=delete_pdf", json={"pdf_base64": ""}
    )

    assert exact(uploaded)["pdf"]["source"] == "user_upload"
    assert_error(refused, 409, "invalid_state")
    assert exact(deleted)["pdf"]["status"] == "pending"
    assert exact(generated)["pdf"]["source"] == "generated"
    assert_error(unknown, 422, "validation_error")
    for response, message in (
        (no_bytes, "upload_pdf needs the PDF in pdf_base64"),
        (empty, "upload_pdf needs the PDF in pdf_base64"),
        (stray, "only upload_pdf takes pdf_base64"),
    ):
        error = assert_error(response, 422, "validation_error")
        assert error["details"] == [{"field": "pdf_base64", "message": message}]


async def test_uploads_that_are_not_real_pdfs_are_refused_and_change_nothing(
    api: ApiClient,
) -> None:
    invoice = await create_document(api)
    path = f"/v1/invoices/{invoice['id']}/pdf"
    too_big = b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024)

    for pdf_base64, message in (
        ("not base64!", "not valid base64"),
        (_b64(b"GIF89a not a pdf"), "not a PDF (it must start with %PDF-)"),
        (_b64(b"%PDF-1.7\nthis is no pdf at all"), "not a readable PDF"),
        (_b64(too_big), f"the PDF is {len(too_big)} bytes; at most 10485760 are taken"),
    ):
        response = await api.post(path, json={"action": "upload_pdf", "pdf_base64": pdf_base64})
        error = assert_error(response, 422, "validation_error")
        assert error["details"] == [{"field": "pdf_base64", "message": message}]
    missing = await api.post(path, json={"action": "upload_pdf"})
    extra = await api.post(path, json={"action": "delete_pdf", "pdf_base64": _b64(_a_pdf())})

    assert assert_error(missing, 422, "validation_error")["details"][0]["field"] == "pdf_base64"
    assert assert_error(extra, 422, "validation_error")["details"][0]["field"] == "pdf_base64"
    assert (await _document(api, invoice))["pdf"]["status"] == "pending"


async def test_a_body_over_the_upload_limit_is_413(api: ApiClient) -> None:
    invoice = await create_document(api)
    huge = "A" * (15 * 1024 * 1024 + 1)

    response = await api.post(
        f"/v1/invoices/{invoice['id']}/pdf", json={"action": "upload_pdf", "pdf_base64": huge}
    )

    assert_error(response, 413, "payload_too_large")


async def test_drafts_have_no_stored_pdf_to_act_on(api: ApiClient) -> None:
    draft = await create_document(api, status="draft")
    path = f"/v1/invoices/{draft['id']}/pdf"

    for body in (
        {"action": "generate_pdf"},
        {"action": "delete_pdf"},
        {"action": "upload_pdf", "pdf_base64": _b64(_a_pdf())},
    ):
        assert_error(await api.post(path, json=body), 409, "invalid_state")
    created = await api.post(
        "/v1/invoices",
        json={"customer_id": draft["customer_id"], "status": "draft", "generate_pdf": True},
    )
    error = assert_error(created, 422, "validation_error")
    assert error["details"][0]["field"] == "generate_pdf"


async def test_generate_pdf_on_create_archives_it_in_the_request(api: ApiClient) -> None:
    invoice = await create_document(api, generate_pdf=True)

    assert invoice["pdf"]["status"] == "ready"
    served = await api.get(invoice["pdf"]["url"])
    assert hashlib.sha256(served.content).hexdigest() == invoice["pdf"]["sha256"]


async def test_another_accounts_or_an_unknown_document_is_404(api: ApiClient) -> None:
    invoice = await create_document(api)
    transport = api.http._transport  # type: ignore[attr-defined]
    other = await create_account_with_key(transport.app.state.runtime.db, api.http)

    for response in (
        await other.get(f"/v1/invoices/{invoice['id']}/pdf"),
        await other.post(f"/v1/invoices/{invoice['id']}/pdf", json={"action": "generate_pdf"}),
        await other.post(f"/v1/invoices/{invoice['id']}?action=delete_pdf"),
        await api.get(f"/v1/quotes/{invoice['id']}/pdf"),  # not a quote
        await api.get("/v1/invoices/01a23000-0000-7000-8000-000000000000/pdf"),
    ):
        assert_error(response, 404, "not_found")
    assert (await _document(api, invoice))["pdf"]["status"] == "pending"


@pytest.mark.parametrize(
    ("path", "doc_type"),
    [
        ("invoices", "invoice"),
        ("quotes", "quote"),
        ("credit_notes", "credit_note"),
        ("receipts", "receipt"),
    ],
)
async def test_a_render_that_keeps_failing_is_retried_then_reported_and_the_document_stays(
    api: ApiClient, db: Database, settings: Settings, clock: list[Any], path: str, doc_type: str
) -> None:
    png = image("PNG")
    account = exact(await api.post("/v1/account/logo", json={"logo_base64": _b64(png)}))
    # The store loses the logo: every render of this account now fails.
    sha256 = account["branding"]["logo"]["sha256"]
    logo_file = settings.files_dir / "logos" / str(api.account_id) / sha256
    reduces: dict[str, Any] = {}
    if doc_type == "credit_note":  # a credit note names the invoice it reduces: archived first
        reduced = await create_document(api)
        await run_archive_jobs(db, settings, api.account_id)
        reduces = {"related_document_id": reduced["id"], "customer_id": reduced["customer_id"]}
    invoice = await create_document(api, path, **reduces)
    logo_file.unlink()
    before = await _document(api, invoice)

    statuses = []
    for _ in range(5):
        outcomes = await run_archive_jobs(db, settings, api.account_id)
        statuses += [o.status for o in outcomes if o.kind == "pdfs.archive"]
        clock[0] += timedelta(hours=1)

    assert statuses == ["queued", "queued", "queued", "queued", "succeeded"]
    after = await _document(api, invoice)
    assert after["pdf"]["status"] == "failed"
    assert {k: v for k, v in after.items() if k not in ("pdf", "updated_at")} == {
        k: v for k, v in before.items() if k not in ("pdf", "updated_at")
    }
    failed = await events(api, f"{doc_type}.pdf_failed")
    assert [e["data"]["object"]["id"] for e in failed] == [invoice["id"]]
    assert failed[0]["data"]["object"]["pdf"]["status"] == "failed"


async def test_a_render_of_a_document_that_changed_since_is_not_recorded(
    api: ApiClient, db: Database
) -> None:
    from datetime import UTC, datetime

    from faktura.core.tenant import Tenant
    from faktura.pdfs import service

    invoice = await create_document(api)
    tenant = Tenant(api.account_id, False)
    document_id = uuid.UUID(invoice["id"])
    long_ago = datetime(2000, 1, 1, tzinfo=UTC)

    async with db.transaction() as session:
        stale = await service.record_generated(
            session, tenant, document_id, b"%PDF-1.7 old", made_from=long_ago
        )
        made_from = (await _row(session, tenant, document_id)).updated_at
        current = await service.record_generated(
            session, tenant, document_id, b"%PDF-1.7 current", made_from=made_from
        )

    assert stale is None
    assert current is not None
    assert current.pdf_sha256 == hashlib.sha256(b"%PDF-1.7 current").hexdigest()


async def _row(session: Any, tenant: Any, document_id: uuid.UUID) -> Any:
    from faktura.documents import service as documents_service

    return await documents_service.get_document(session, tenant, document_id)
