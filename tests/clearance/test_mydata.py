"""Greece: issued invoices and credit notes cleared at a loopback AADE through the job runner.

The fake validates every InvoicesDoc against AADE's schema and answers what AADE's response
schema accepts (tests/clearance/fake_aade.py).
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from lxml import etree
from sqlalchemy import select

from faktura.clearance.jobs import CANCEL, SUBMIT
from faktura.config import Settings
from faktura.db.session import Database
from faktura.email.jobs import DELIVER
from faktura.jobs.models import Job
from faktura.pdfs.jobs import ARCHIVE
from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.clearance.conftest import greek_buyer, greek_seller
from tests.clearance.fake_aade import NS, FakeAade
from tests.customers.factories import create_customer
from tests.documents.factories import create_document, exact, line
from tests.jobs.helpers import due_now, run_account_jobs
from tests.pdfs.reading import text_lines


async def _issue(api: ApiClient, rates: dict[str, str], customer_id: str, **body: Any) -> dict:
    lines = body.pop(
        "line_items",
        [
            line(
                description="Συμβουλευτικές υπηρεσίες",
                quantity="3",
                unit_price="100.00",
                vat_rate_id=rates["Standard"],
            ),
            line(
                description="Βιβλία", quantity="2", unit_price="15.50", vat_rate_id=rates["Reduced"]
            ),
        ],
    )
    return await create_document(
        api, customer_id=customer_id, status="pending", line_items=lines, **body
    )


async def _credit_note(api: ApiClient, rates: dict[str, str], invoice: dict) -> dict:
    """A credit note of 50.00 at the standard rate, reducing `invoice`."""
    credit = await api.post(
        "/v1/credit_notes",
        json={
            "related_document_id": invoice["id"],
            "line_items": [line(unit_price="50.00", vat_rate_id=rates["Standard"])],
        },
    )
    assert credit.status_code == 201, credit.text
    created: dict = credit.json()
    return created


async def _submit(api: ApiClient, db: Database, settings: Settings) -> list[Any]:
    return await run_account_jobs(db, settings, SUBMIT.name, api.account_id)


async def _shown(api: ApiClient, document: dict, path: str = "invoices") -> dict:
    response = await api.get(f"/v1/{path}/{document['id']}")
    assert response.status_code == 200
    body: dict = exact(response)
    return body


def _find(xml: bytes, path: str) -> list[str]:
    root = etree.fromstring(xml)
    return [e.text for e in root.iterfind(path, {"a": NS})]


async def _events(api: ApiClient, event_type: str) -> list[dict]:
    response = await api.get("/v1/events", params={"type": event_type})
    data: list[dict] = response.json()["data"]
    return data


async def test_an_issued_invoice_is_cleared_with_its_mark_on_the_document_event_and_pdf(
    api: ApiClient, db: Database, settings: Settings, aade: FakeAade
) -> None:
    rates = await greek_seller(api, aade)
    invoice = await _issue(api, rates, await greek_buyer(api))

    outcomes = await _submit(api, db, settings)
    cleared = await _shown(api, invoice)

    assert invoice["clearance"] == {
        "provider": "mydata",
        "environment": "sandbox",
        "status": "pending",
        "reference": None,
        "qr_url": None,
        "submitted_at": None,
        "cleared_at": None,
        "cancellation_reference": None,
        "errors": [],
    }
    assert [o.status for o in outcomes] == ["succeeded"]
    [stored] = aade.stored
    assert cleared["clearance"]["status"] == "cleared"
    assert cleared["clearance"]["reference"] == str(stored.mark)
    assert cleared["clearance"]["qr_url"] == f"{aade.url}/TimologioQR/QRInfo?q={stored.uid[:16]}"
    assert cleared["clearance"]["errors"] == []
    # What AADE was told: the seller's and buyer's ΑΦΜ, series and number, a services
    # invoice to a Greek business, one row per VAT rate with the document's exact totals.
    assert _find(stored.xml, "a:invoice/a:issuer/a:vatNumber") == ["094019245"]
    assert _find(stored.xml, "a:invoice/a:counterpart/a:vatNumber") == ["094014201"]
    assert _find(stored.xml, "a:invoice/a:counterpart/a:name") == []
    number = invoice["number"]
    assert _find(stored.xml, "a:invoice/a:invoiceHeader/a:series") == [number.rsplit("-", 1)[0]]
    assert _find(stored.xml, "a:invoice/a:invoiceHeader/a:aa") == [str(int(number[-4:]))]
    assert _find(stored.xml, "a:invoice/a:invoiceHeader/a:invoiceType") == ["2.1"]
    assert _find(stored.xml, "a:invoice/a:invoiceDetails/a:vatCategory") == ["1", "2"]
    assert _find(stored.xml, "a:invoice/a:invoiceDetails/a:netValue") == ["300.00", "31.00"]
    assert _find(stored.xml, "a:invoice/a:invoiceDetails/a:vatAmount") == ["72.00", "4.03"]
    assert _find(stored.xml, "a:invoice/a:invoiceSummary/a:totalGrossValue") == ["407.03"]
    assert Decimal(cleared["total"]) == Decimal("407.03")
    [event] = await _events(api, "invoice.cleared")
    assert event["data"]["object"]["clearance"]["reference"] == str(stored.mark)

    await run_account_jobs(db, settings, ARCHIVE.name, api.account_id)
    pdf = await api.get(f"/v1/invoices/{invoice['id']}/pdf")
    lines = text_lines(pdf.content)
    assert f"ΜΑΡΚ {stored.mark}" in lines
    assert "Καταχωρίστηκε στο myDATA (ΑΑΔΕ)" in lines


async def test_a_credit_note_names_the_mark_of_its_cleared_invoice(
    api: ApiClient, db: Database, settings: Settings, aade: FakeAade
) -> None:
    rates = await greek_seller(api, aade)
    invoice = await _issue(api, rates, await greek_buyer(api))
    await _submit(api, db, settings)
    credit = await _credit_note(api, rates, invoice)

    await _submit(api, db, settings)

    first, second = aade.stored
    assert _find(second.xml, "a:invoice/a:invoiceHeader/a:invoiceType") == ["5.1"]
    assert _find(second.xml, "a:invoice/a:invoiceHeader/a:correlatedInvoices") == [str(first.mark)]
    shown = await _shown(api, credit, "credit_notes")
    assert (shown["clearance"]["status"], shown["clearance"]["reference"]) == (
        "cleared",
        str(second.mark),
    )


async def test_a_consumer_and_a_foreign_business_get_their_invoice_types(
    api: ApiClient, db: Database, settings: Settings, aade: FakeAade
) -> None:
    rates = await greek_seller(api, aade, mydata={"supply": "goods"})
    consumer = await create_customer(api, company_name="Νίκος Παπαδόπουλος", tax_id=None)
    german = await create_customer(
        api,
        company_name="Nordwind GmbH",
        tax_id="DE136695976",
        address={"street": "Hauptstraße 1", "city": "Berlin", "zip": "10115", "country": "DE"},
    )
    await _issue(api, rates, consumer["id"])
    await _issue(api, rates, german["id"])

    await _submit(api, db, settings)

    # The two submissions run at once: which reached AADE first is not known.
    [retail] = [s for s in aade.stored if not _find(s.xml, "a:invoice/a:counterpart")]
    [eu] = [s for s in aade.stored if _find(s.xml, "a:invoice/a:counterpart")]
    assert _find(retail.xml, "a:invoice/a:invoiceHeader/a:invoiceType") == ["11.1"]
    assert _find(retail.xml, "a:invoice/a:counterpart") == []
    assert _find(eu.xml, "a:invoice/a:invoiceHeader/a:invoiceType") == ["1.2"]
    assert _find(eu.xml, "a:invoice/a:counterpart/a:vatNumber") == ["DE136695976"]
    assert _find(eu.xml, "a:invoice/a:counterpart/a:name") == ["Nordwind GmbH"]
    icls = "{https://www.aade.gr/myDATA/incomeClassificaton/v1.0}"
    types = [e.text for e in etree.fromstring(eu.xml).iter(f"{icls}classificationType")]
    assert set(types) == {"E3_561_005"}


async def test_a_rejection_is_shown_with_the_event_and_stops_a_send_that_requires_clearance(
    api: ApiClient, db: Database, settings: Settings, aade: FakeAade
) -> None:
    rates = await greek_seller(api, aade, require_before_send=True)
    customer_id = await greek_buyer(api, email="accounts@beta.example")
    invoice = await _issue(api, rates, customer_id)
    aade.next_answers.append("reject")

    await _submit(api, db, settings)
    sent = await api.post(f"/v1/invoices/{invoice['id']}/send", json={"attach_pdf": False})
    await run_account_jobs(db, settings, DELIVER.name, api.account_id)

    shown = await _shown(api, invoice)
    assert shown["clearance"]["status"] == "rejected"
    assert shown["clearance"]["errors"] == [
        {"code": "102", "message": "The counterpart's VAT number is not valid"}
    ]
    assert aade.stored == []
    [event] = await _events(api, "invoice.clearance_failed")
    assert event["data"]["object"]["clearance"]["status"] == "rejected"
    assert sent.status_code == 202, sent.text
    message = (await api.get(f"/v1/messages/{sent.json()['id']}")).json()
    assert message["status"] == "failed"
    assert message["error"] == (
        "the document was not cleared (rejected): The counterpart's VAT number is not valid"
    )


async def test_what_faktura_knows_aade_would_refuse_is_rejected_without_sending(
    api: ApiClient, db: Database, settings: Settings, aade: FakeAade
) -> None:
    rates = await greek_seller(api, aade)
    exempt = [
        line(unit_price="80.00", vat_rate_id=rates["Exempt"], vat_exemption_reason="Article 22")
    ]
    invoice = await _issue(api, rates, await greek_buyer(api), line_items=exempt)

    await _submit(api, db, settings)

    shown = await _shown(api, invoice)
    assert shown["clearance"]["status"] == "rejected"
    assert shown["clearance"]["errors"] == [
        {
            "code": None,
            "message": "a line without VAT needs its exemption category: set "
            "clearance.mydata.vat_exemption_category",
        }
    ]
    assert aade.requests == []


async def test_an_answer_lost_on_the_way_is_not_submitted_twice(
    api: ApiClient, db: Database, settings: Settings, aade: FakeAade
) -> None:
    rates = await greek_seller(api, aade)
    invoice = await _issue(api, rates, await greek_buyer(api))
    aade.next_answers.append("lost")  # AADE keeps it, the answer never arrives
    aade.page_size = 1

    first = await _submit(api, db, settings)
    pending = await _shown(api, invoice)
    await _run_retry_now(db, api)
    second = await _submit(api, db, settings)

    assert [o.status for o in first] == ["queued"]  # to run again after its back-off
    assert pending["clearance"]["status"] == "pending"
    assert [o.status for o in second] == ["succeeded"]
    [stored] = aade.stored
    shown = await _shown(api, invoice)
    assert (shown["clearance"]["status"], shown["clearance"]["reference"]) == (
        "cleared",
        str(stored.mark),
    )
    assert ("GET", "/RequestTransmittedDocs") in aade.requests
    assert aade.requests.count(("POST", "/SendInvoices")) == 1


async def test_the_lookup_reads_every_page_aade_lists(
    api: ApiClient, db: Database, settings: Settings, aade: FakeAade
) -> None:
    rates = await greek_seller(api, aade)
    customer_id = await greek_buyer(api)
    earlier = [await _issue(api, rates, customer_id) for _ in range(3)]
    await _submit(api, db, settings)
    invoice = await _issue(api, rates, customer_id)
    aade.next_answers.append("lost")
    aade.page_size = 1  # the document AADE kept is on the fourth page

    await _submit(api, db, settings)
    await _run_retry_now(db, api)
    await _submit(api, db, settings)

    assert len(earlier) == 3
    assert len(aade.stored) == 4
    assert aade.requests.count(("GET", "/RequestTransmittedDocs")) == 4  # pages 1 to 4
    shown = await _shown(api, invoice)
    assert (shown["clearance"]["status"], shown["clearance"]["reference"]) == (
        "cleared",
        str(aade.stored[3].mark),
    )


async def test_a_technical_error_is_tried_again(
    api: ApiClient, db: Database, settings: Settings, aade: FakeAade
) -> None:
    rates = await greek_seller(api, aade)
    invoice = await _issue(api, rates, await greek_buyer(api))
    aade.next_answers.append("technical")

    first = await _submit(api, db, settings)
    await _run_retry_now(db, api)
    second = await _submit(api, db, settings)

    assert [o.status for o in first] == ["queued"]  # to run again after its back-off
    assert [o.status for o in second] == ["succeeded"]
    assert (await _shown(api, invoice))["clearance"]["status"] == "cleared"
    assert len(aade.stored) == 1


async def test_a_cancelled_cleared_invoice_is_cancelled_at_aade(
    api: ApiClient, db: Database, settings: Settings, aade: FakeAade
) -> None:
    rates = await greek_seller(api, aade)
    invoice = await _issue(api, rates, await greek_buyer(api))
    await _submit(api, db, settings)

    cancelled = await api.post(f"/v1/invoices/{invoice['id']}/cancel", json={})
    await run_account_jobs(db, settings, CANCEL.name, api.account_id)

    assert cancelled.status_code == 200, cancelled.text
    [stored] = aade.stored
    assert aade.cancelled == [stored.mark]
    shown = await _shown(api, invoice)
    assert shown["clearance"]["status"] == "cancelled"
    assert shown["clearance"]["reference"] == str(stored.mark)
    assert shown["clearance"]["cancellation_reference"] == str(stored.cancelled_by)


async def test_quotes_are_not_cleared_and_accounts_without_clearance_show_none(
    api: ApiClient, db: Database, settings: Settings, aade: FakeAade
) -> None:
    plain = await create_document(api, status="pending")
    await greek_seller(api, aade)
    quote = await create_document(api, "quotes", status="pending")

    await _submit(api, db, settings)

    assert plain["clearance"] is None
    assert quote["clearance"] is None
    assert aade.stored == []


async def test_a_send_waits_for_the_clearance_its_account_requires(
    api: ApiClient, db: Database, settings: Settings, aade: FakeAade
) -> None:
    rates = await greek_seller(api, aade, require_before_send=True)
    customer_id = await greek_buyer(api, email="accounts@beta.example")
    invoice = await _issue(api, rates, customer_id)
    sent = await api.post(f"/v1/invoices/{invoice['id']}/send", json={"attach_pdf": False})

    waiting = await run_account_jobs(db, settings, DELIVER.name, api.account_id)
    held = (await api.get(f"/v1/messages/{sent.json()['id']}")).json()
    await _submit(api, db, settings)
    await due_now(db, DELIVER.name, api.account_id)
    delivered = await run_account_jobs(db, settings, DELIVER.name, api.account_id)
    after = (await api.get(f"/v1/messages/{sent.json()['id']}")).json()

    assert [(o.status, o.result) for o in waiting] == [
        ("queued", {"sent": False, "waiting_for": "clearance"})
    ]
    assert held["status"] == "queued"
    assert [o.status for o in delivered] == ["succeeded"]
    assert after["status"] == "captured"  # test mode: kept, never handed to a server


async def _run_retry_now(db: Database, api: ApiClient) -> None:
    await due_now(db, SUBMIT.name, api.account_id)


async def test_an_invoice_cancelled_while_pending_is_cancelled_at_aade_once_cleared(
    api: ApiClient, db: Database, settings: Settings, aade: FakeAade
) -> None:
    rates = await greek_seller(api, aade)
    invoice = await _issue(api, rates, await greek_buyer(api))
    cancelled = await api.post(f"/v1/invoices/{invoice['id']}/cancel", json={})

    await _submit(api, db, settings)
    await run_account_jobs(db, settings, CANCEL.name, api.account_id)

    assert cancelled.status_code == 200, cancelled.text
    [stored] = aade.stored
    assert aade.cancelled == [stored.mark]
    shown = await _shown(api, invoice)
    assert (shown["clearance"]["status"], shown["clearance"]["cancellation_reference"]) == (
        "cancelled",
        str(stored.cancelled_by),
    )


async def test_a_credit_note_sent_before_its_invoice_cleared_is_found_by_its_number(
    api: ApiClient, db: Database, settings: Settings, aade: FakeAade
) -> None:
    rates = await greek_seller(api, aade)
    invoice = await _issue(api, rates, await greek_buyer(api))
    credit = await _credit_note(api, rates, invoice)
    await _only_due(db, api, credit["id"])
    aade.next_answers.append("lost")  # AADE keeps the credit note (5.2), the answer is lost

    await _submit(api, db, settings)
    await _only_due(db, api, invoice["id"])
    await _submit(api, db, settings)  # the invoice is cleared: the credit note would be 5.1 now
    await _only_due(db, api, credit["id"])
    await _submit(api, db, settings)

    sent_credit = aade.stored[0]
    assert _find(sent_credit.xml, "a:invoice/a:invoiceHeader/a:invoiceType") == ["5.2"]
    assert len(aade.stored) == 2  # the credit note once, the invoice once
    shown = await _shown(api, credit, "credit_notes")
    assert (shown["clearance"]["status"], shown["clearance"]["reference"]) == (
        "cleared",
        str(sent_credit.mark),
    )


async def _only_due(db: Database, api: ApiClient, document_id: str) -> None:
    """Of the account's queued submissions, only this document's is due now."""
    async with db.transaction() as session:
        jobs = (
            await session.execute(
                select(Job).where(
                    Job.account_id == api.account_id,
                    Job.kind == SUBMIT.name,
                    Job.status == "queued",
                )
            )
        ).scalars()
        for job in jobs:
            mine = job.payload["document_id"] == document_id
            job.run_at = (
                datetime(2000, 1, 1, tzinfo=UTC) if mine else datetime(9999, 1, 1, tzinfo=UTC)
            )


async def test_settings_changed_before_submission_fail_it_rather_than_send_it_elsewhere(
    api: ApiClient, db: Database, settings: Settings, aade: FakeAade
) -> None:
    rates = await greek_seller(api, aade)
    invoice = await _issue(api, rates, await greek_buyer(api))
    moved = await api.put(
        "/v1/account/clearance",
        json={
            "provider": "il_ita",
            "credentials": {"client_id": "app", "client_secret": "secret"},
        },
    )

    await _submit(api, db, settings)

    assert moved.status_code == 200, moved.text
    shown = await _shown(api, invoice)
    assert shown["clearance"]["status"] == "failed"
    assert shown["clearance"]["errors"] == [
        {
            "code": None,
            "message": "the account's clearance changed from mydata (sandbox) to il_ita (sandbox)",
        }
    ]
    assert aade.requests == []


async def test_refused_credentials_are_tried_again_not_a_rejection(
    api: ApiClient, db: Database, settings: Settings, aade: FakeAade
) -> None:
    rates = await greek_seller(
        api, aade, credentials={"user_id": "someone", "subscription_key": "wrong-key"}
    )
    invoice = await _issue(api, rates, await greek_buyer(api))

    outcomes = await _submit(api, db, settings)

    assert [o.status for o in outcomes] == ["queued"]  # after its back-off
    async with db.transaction() as session:
        [job] = (
            await session.execute(
                select(Job).where(Job.account_id == api.account_id, Job.kind == SUBMIT.name)
            )
        ).scalars()
    assert "myDATA refused the credentials (401)" in (job.last_error or "")
    assert (await _shown(api, invoice))["clearance"]["status"] == "pending"


async def test_waiting_for_clearance_does_not_use_up_a_message_s_attempts(
    api: ApiClient, db: Database, settings: Settings, aade: FakeAade
) -> None:
    rates = await greek_seller(api, aade, require_before_send=True)
    invoice = await _issue(api, rates, await greek_buyer(api, email="accounts@beta.example"))
    await api.post(f"/v1/invoices/{invoice['id']}/send", json={"attach_pdf": False})

    for _ in range(10):  # more waits than the delivery has attempts
        await due_now(db, DELIVER.name, api.account_id)
        await run_account_jobs(db, settings, DELIVER.name, api.account_id)

    async with db.transaction() as session:
        [job] = (
            await session.execute(
                select(Job).where(Job.account_id == api.account_id, Job.kind == DELIVER.name)
            )
        ).scalars()
    assert (job.status, job.attempts) == ("queued", 0)


async def test_a_rejected_document_corrected_is_submitted_again(
    api: ApiClient, db: Database, settings: Settings, aade: FakeAade
) -> None:
    rates = await greek_seller(api, aade)
    exempt = [line(unit_price="80.00", vat_rate_id=rates["Exempt"], vat_exemption_reason="Art. 22")]
    invoice = await _issue(api, rates, await greek_buyer(api), line_items=exempt)
    too_early = await api.post(f"/v1/invoices/{invoice['id']}/clearance/retry", json={})
    await _submit(api, db, settings)  # rejected: no exemption category set
    await api.put(
        "/v1/account/clearance",
        json={"provider": "mydata", "base_url": aade.url, "mydata": {"vat_exemption_category": 1}},
    )

    again = await api.post(f"/v1/invoices/{invoice['id']}/clearance/retry", json={})
    await _submit(api, db, settings)
    twice = await api.post(f"/v1/invoices/{invoice['id']}/clearance/retry", json={})
    unknown = await api.post(
        "/v1/invoices/01890000-0000-7000-8000-000000000000/clearance/retry", json={}
    )

    assert_error(too_early, 409, "invalid_state")
    assert again.status_code == 200, again.text
    assert again.json()["clearance"]["status"] == "pending"
    [stored] = aade.stored
    assert _find(stored.xml, "a:invoice/a:invoiceDetails/a:vatExemptionCategory") == ["1"]
    shown = await _shown(api, invoice)
    assert (shown["clearance"]["status"], shown["clearance"]["reference"]) == (
        "cleared",
        str(stored.mark),
    )
    assert ("GET", "/RequestTransmittedDocs") in aade.requests  # asked first: never sent twice
    assert_error(twice, 409, "invalid_state")
    assert_error(unknown, 404, "not_found")


async def test_a_rejected_credit_note_is_shown_with_its_own_event(
    api: ApiClient, db: Database, settings: Settings, aade: FakeAade
) -> None:
    rates = await greek_seller(api, aade)
    invoice = await _issue(api, rates, await greek_buyer(api))
    await _submit(api, db, settings)
    credit = await _credit_note(api, rates, invoice)
    aade.next_answers.append("reject")

    await _submit(api, db, settings)

    shown = (await api.get(f"/v1/credit_notes/{credit['id']}")).json()
    assert shown["clearance"]["status"] == "rejected"
    [event] = await _events(api, "credit_note.clearance_failed")
    assert event["object_id"] == shown["id"]
    assert await _events(api, "invoice.clearance_failed") == []
