"""A sent invoice can carry a payment link: `include_payment_link` on send creates one and the
message prints it, through a real SMTP server on loopback."""

from datetime import UTC, datetime, timedelta

from faktura.config import Settings
from faktura.db.session import Database
from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.documents.factories import create_document, exact, line
from tests.email.conftest import run_mail_jobs
from tests.email.factories import address, invoice_to, message, send
from tests.email.sink import Sink
from tests.payments.factories import pay


async def test_a_sent_invoice_carries_a_new_payment_link(
    api: ApiClient, db: Database, mail_settings: Settings, sink: Sink
) -> None:
    to = address()
    invoice = await invoice_to(api, to)

    queued = await send(api, invoice, include_payment_link=True)
    await run_mail_jobs(db, mail_settings, api.account_id)

    [link] = exact(await api.get(f"/v1/payment_links?document_id={invoice['id']}"))["data"]
    assert queued["payment_link_id"] == link["id"]
    assert (link["status"], link["amount"]) == (
        "active",
        exact(await api.get(f"/v1/invoices/{invoice['id']}"))["amount_due"],
    )
    sent = await message(api, queued["id"])
    assert sent["status"] == "sent"
    [received] = sink.to(to)
    text = received.message.get_body(("plain",)).get_content()
    html = received.message.get_body(("html",)).get_content()
    assert f"Pay now: {link['url']}" in text
    assert f'href="{link["url"]}"' in html


async def test_a_scheduled_message_gets_a_link_valid_72_hours_after_it_goes_out(
    api: ApiClient,
) -> None:
    invoice = await invoice_to(api, address())
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)

    queued = await send(api, invoice, include_payment_link=True, scheduled_date=when.isoformat())

    link = exact(await api.get(f"/v1/payment_links/{queued['payment_link_id']}"))
    expires = datetime.fromisoformat(link["expires_at"].replace("Z", "+00:00"))
    assert when + timedelta(hours=72) <= expires <= when + timedelta(hours=73)


async def test_a_link_is_refused_for_what_cannot_be_paid_and_nothing_is_written(
    api: ApiClient,
) -> None:
    invoice = await invoice_to(api, address())
    credit_note = await create_document(
        api,
        "credit_notes",
        customer_id=invoice["customer_id"],
        related_document_id=invoice["id"],
        line_items=[line(unit_price="10.00")],
        tax_amount="0",
    )
    due = exact(await api.get(f"/v1/invoices/{invoice['id']}"))["amount_due"]
    await pay(api, amount=str(due), invoice_id=invoice["id"])

    paid = await api.post(f"/v1/invoices/{invoice['id']}/send", json={"include_payment_link": True})
    credited = await api.post(
        f"/v1/credit_notes/{credit_note['id']}/send", json={"include_payment_link": True}
    )

    assert_error(paid, 409, "invalid_state")
    error = assert_error(credited, 422, "validation_error")
    assert error["details"] == [
        {"field": "include_payment_link", "message": "only an invoice can be paid"}
    ]
    assert exact(await api.get("/v1/messages"))["data"] == []
    assert exact(await api.get("/v1/payment_links"))["data"] == []
