"""A day of an account's life through the SDK, touching every operation of the API.

`sync_scenario` calls each of the document's operations at least once through `Faktura`;
`async_scenario` runs the common path again through `AsyncFaktura`. Two operations cannot
succeed on a test server and are called for their documented error instead (EXPECTED_ERRORS):
resubmitting a clearance needs a clearance that a tax authority rejected, and this server
reaches no tax authority.
"""

from __future__ import annotations

import base64
import datetime as dt
import struct
import uuid
import zlib
from decimal import Decimal
from typing import Any

import pytest

import faktura_sdk
from faktura_sdk import AsyncFaktura, Faktura, models
from tests.receiver import Receiver

EXPECTED_ERRORS = {
    # 409 invalid_state: "the clearance is not rejected or failed, or the account clears nothing
    # in this mode" — there is no tax authority to reject one here.
    "retry_clearance_of_invoice": faktura_sdk.InvalidStateError,
    "retry_clearance_of_credit_note": faktura_sdk.InvalidStateError,
}


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def tiny_png(size: int = 16) -> bytes:
    """A red square, as PNG, made here so the test needs no image file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


LINES: list[dict[str, Any]] = [
    {"description": "Design", "quantity": 2, "unit_price": Decimal("150.00")},
    {"description": "Hosting", "quantity": 1, "unit_price": Decimal("49.90")},
]


def sync_scenario(client: Faktura, receiver: Receiver) -> None:
    today = dt.date.today()  # noqa: DTZ011 - the server's dates are the account's local ones

    # --- operations and the account -----------------------------------------------------------
    assert client.operations.healthz()["status"] == "ok"
    assert client.operations.readyz()["status"] == "ok"
    assert "faktura_" in client.operations.metrics()

    account = client.account.retrieve()
    assert account.default_currency == "EUR"
    account = client.account.update(
        legal_name="SDK Test GmbH",
        tax_id="DE123456788",
        email="billing@sdk-test.example",
        electronic_address={"scheme": "9930", "id": "DE123456788"},
        address={"street": "Hauptstraße 1", "city": "Berlin", "zip": "10115", "country": "DE"},
    )
    assert account.legal_name == "SDK Test GmbH"
    logo = base64.b64encode(tiny_png()).decode()
    assert client.account.upload_logo(logo_base64=logo).branding is not None
    client.account.remove_logo()
    assert client.account.preview_branding().startswith(b"%PDF")
    assert client.account.get_email_settings().object == "email_settings"
    assert client.account.update_email_settings(from_name="SDK Billing").from_name == "SDK Billing"
    assert client.account.get_reminders().object == "reminder_policy"
    reminders = client.account.set_reminders(
        enabled=True, steps=[{"offset_days": -3}, {"offset_days": 7, "escalation_level": 2}]
    )
    assert [step.offset_days for step in reminders.steps] == [-3, 7]
    client.account.set_reminders(enabled=False, steps=[])

    stripe = client.account.set_payment_provider(
        "stripe", secret_key="sk_test_sdk1234", publishable_key="pk_test_sdk"
    )
    assert stripe.secret_key_last4 == "1234"
    assert [p.provider for p in client.account.list_payment_providers().data] == ["stripe"]
    assert client.account.remove_payment_provider("stripe").deleted is True

    clearance = client.account.set_clearance_settings(
        provider="il_ita",
        environment="sandbox",
        credentials={"client_id": "sdk-client", "client_secret": "sdk-secret"},
    )
    assert clearance.credentials_set is True
    assert client.account.get_clearance_settings().provider == models.ClearanceProvider.IL_ITA
    assert client.account.start_clearance_authorization().url.startswith("https://")
    assert client.account.remove_clearance_settings().deleted is True

    key = client.api_keys.create(name="Accounting sync", scopes=["documents:read"])
    assert key.key.startswith("fk_test_")
    assert key.id in {k.id for k in client.api_keys.list()}
    assert client.api_keys.revoke(key.id).revoked_at is not None
    with pytest.raises(faktura_sdk.AuthenticationError) as revoked:
        Faktura(key.key, client.base_url, max_retries=0).invoices.list()
    assert revoked.value.code == "unauthorized"

    # --- customers, contacts, tags, suppliers, items ------------------------------------------
    customer = client.customers.create(
        company_name=unique("Globex"),
        email="ap@globex.example",
        tax_id="DE987654328",
        address={"street": "Marktplatz 2", "city": "Köln", "zip": "50667", "country": "DE"},
        electronic_address={"scheme": "9930", "id": "DE987654328"},
        contacts=[{"contact_name": "Dana Levi", "email": "dana@globex.example"}],
    )
    assert client.customers.retrieve(customer.id).id == customer.id
    customer = client.customers.update(customer.id, notes="Pays on time")
    assert customer.notes == "Pays on time"
    assert customer.id in {c.id for c in client.customers.list(search="Globex")}
    spare = client.customers.create(
        company_name=unique("Initech"),
        contacts=[{"contact_name": "Bill", "email": "bill@initech.example"}],
    )

    contact = client.contacts.create(
        customer_id=customer.id, contact_name="Sam Accounts", email="sam@globex.example"
    )
    assert client.contacts.retrieve(contact.id).email == "sam@globex.example"
    assert client.contacts.update(contact.id, title="Controller").title == "Controller"
    assert contact.id in {c.id for c in client.contacts.list(customer_id=customer.id)}
    assert client.contacts.delete(contact.id).deleted is True

    tag = client.tags.create(name=unique("vip"))
    assert client.tags.retrieve(tag.id).name == tag.name
    renamed = client.tags.rename(tag.id, name=unique("key account"))
    assert renamed.id == tag.id
    assert tag.id in {t.id for t in client.tags.list()}
    assert client.tags.tag_customers(tag.id, customer_ids=[spare.id]).customers_changed == 1
    assert client.tags.untag_customers(tag.id, customer_ids=[spare.id]).customers_changed == 1
    bulk = client.customers.bulk_tag(customer_ids=[spare.id], add_tag_ids=[tag.id])
    assert bulk.customers_changed == 1
    assert client.tags.delete(tag.id).deleted is True
    assert client.customers.delete(spare.id).deleted is True

    supplier = client.suppliers.create(company_name=unique("Paper Co"), email="ar@paper.example")
    assert client.suppliers.retrieve(supplier.id).id == supplier.id
    assert client.suppliers.update(supplier.id, notes="Monthly").notes == "Monthly"
    assert supplier.id in {s.id for s in client.suppliers.list()}
    assert client.suppliers.delete(supplier.id).deleted is True

    item = client.items.create(name=unique("Consulting hour"), unit_price=Decimal("95.50"))
    assert item.unit_price == Decimal("95.50")
    assert client.items.retrieve(item.id).id == item.id
    assert client.items.update(item.id, unit="hour").unit == "hour"
    assert item.id in {i.id for i in client.items.list(search="Consulting")}

    # --- invoices -----------------------------------------------------------------------------
    draft = client.invoices.create(customer_id=customer.id, line_items=LINES, status="draft")
    assert draft.status == models.DocumentStatus.DRAFT
    assert draft.number is None
    draft = client.invoices.update(draft.id, notes="Thank you", buyer_reference="PO-77")
    assert draft.notes == "Thank you"
    assert client.invoices.delete(draft.id).deleted is True

    invoice = client.invoices.create(
        customer_id=customer.id,
        line_items=[*LINES, {"item_id": item.id, "quantity": Decimal("1.5")}],
        status="draft",
        buyer_reference="PO-78",
    )
    invoice = client.invoices.finalize(invoice.id)
    assert invoice.status == models.DocumentStatus.PENDING
    assert invoice.number
    assert invoice.subtotal == Decimal("493.15")  # 300.00 + 49.90 + 1.5 × 95.50
    assert client.invoices.retrieve(invoice.id).total == invoice.total
    assert invoice.id in {d.id for d in client.invoices.list(customer_id=customer.id)}
    assert client.documents.retrieve(invoice.id).type == models.DocumentType.INVOICE
    assert invoice.id in {d.id for d in client.documents.list(type="invoice")}
    assert client.invoices.pdf_action(invoice.id, action="generate_pdf").pdf is not None
    assert client.invoices.pdf(invoice.id).startswith(b"%PDF")
    generated = client.invoices.action(invoice.id, action="generate_pdf")
    assert isinstance(generated, models.Document)
    assert generated.id == invoice.id
    check = client.invoices.einvoice_check(invoice.id)
    assert check.ready, check.missing
    assert client.invoices.einvoice(invoice.id, format="ubl").lstrip().startswith(b"<?xml")
    with pytest.raises(EXPECTED_ERRORS["retry_clearance_of_invoice"]):
        client.invoices.retry_clearance(invoice.id)
    message = client.invoices.send(invoice.id, cc_self=True)
    assert message.document_id == invoice.id
    assert client.invoices.update(invoice.id, notes="Issued").notes == "Issued"

    cancelled = client.invoices.create(customer_id=customer.id, line_items=LINES)
    cancelled = client.invoices.cancel(cancelled.id, reason="Ordered twice")
    assert cancelled.status == models.DocumentStatus.CANCELLED

    # --- payments, receipts, credit notes -----------------------------------------------------
    payment = client.payments.record(
        amount=Decimal("100.00"),
        payment_date=invoice.issue_date,
        payment_method="wire",
        invoice_id=invoice.id,
    )
    assert payment.amount == Decimal("100.00")
    assert client.payments.retrieve(payment.id).id == payment.id
    assert client.payments.update(payment.id, notes="Bank line 7").notes == "Bank line 7"
    assert payment.id in {p.id for p in client.payments.list(invoice_id=invoice.id)}
    refunded = client.payments.refund(payment.id, amount=Decimal("10.00"), reason="Goodwill")
    assert refunded.amount_refunded == Decimal("10.00")
    assert client.invoices.retrieve(invoice.id).status == models.DocumentStatus.PARTIAL

    receipt = client.receipts.create(customer_id=customer.id, line_items=LINES, status="draft")
    receipt = client.receipts.update(receipt.id, notes="Cash")
    receipt = client.receipts.finalize(receipt.id)
    assert receipt.type == models.DocumentType.RECEIPT
    assert receipt.number
    assert client.receipts.retrieve(receipt.id).id == receipt.id
    assert receipt.id in {d.id for d in client.receipts.list()}
    assert client.receipts.pdf_action(receipt.id, action="generate_pdf").id == receipt.id
    assert client.receipts.pdf(receipt.id).startswith(b"%PDF")
    generated = client.receipts.action(receipt.id, action="generate_pdf")
    assert isinstance(generated, models.Document)
    assert generated.id == receipt.id
    assert client.receipts.send(receipt.id).document_id == receipt.id
    assert client.receipts.cancel(receipt.id).status == models.DocumentStatus.CANCELLED
    receipt_draft = client.receipts.create(
        customer_id=customer.id, line_items=LINES, status="draft"
    )
    assert client.receipts.delete(receipt_draft.id).deleted is True

    credit = client.credit_notes.create(
        customer_id=customer.id,
        related_document_id=invoice.id,
        line_items=[{"description": "Discount", "quantity": 1, "unit_price": Decimal("20.00")}],
        status="draft",
        buyer_reference="PO-78",
    )
    credit = client.credit_notes.update(credit.id, notes="Goodwill")
    credit = client.credit_notes.finalize(credit.id)
    assert credit.related_document_id == invoice.id
    assert client.credit_notes.retrieve(credit.id).id == credit.id
    assert credit.id in {d.id for d in client.credit_notes.list()}
    assert client.credit_notes.pdf_action(credit.id, action="generate_pdf").id == credit.id
    assert client.credit_notes.pdf(credit.id).startswith(b"%PDF")
    generated = client.credit_notes.action(credit.id, action="generate_pdf")
    assert isinstance(generated, models.Document)
    assert generated.id == credit.id
    assert client.credit_notes.einvoice_check(credit.id).ready
    assert client.credit_notes.einvoice(credit.id, format="cii").lstrip().startswith(b"<?xml")
    with pytest.raises(EXPECTED_ERRORS["retry_clearance_of_credit_note"]):
        client.credit_notes.retry_clearance(credit.id)
    assert client.credit_notes.send(credit.id).document_id == credit.id
    credit_draft = client.credit_notes.create(
        customer_id=customer.id,
        related_document_id=invoice.id,
        line_items=[{"description": "Extra", "quantity": 1, "unit_price": Decimal("1.00")}],
        status="draft",
    )
    assert client.credit_notes.delete(credit_draft.id).deleted is True

    # --- quotes -------------------------------------------------------------------------------
    quote = client.quotes.create(customer_id=customer.id, line_items=LINES, status="draft")
    quote = client.quotes.update(quote.id, notes="Valid 30 days")
    quote = client.quotes.finalize(quote.id)
    assert quote.number
    assert client.quotes.retrieve(quote.id).id == quote.id
    assert quote.id in {d.id for d in client.quotes.list()}
    assert client.quotes.pdf_action(quote.id, action="generate_pdf").id == quote.id
    assert client.quotes.pdf(quote.id).startswith(b"%PDF")
    generated = client.quotes.action(quote.id, action="generate_pdf")
    assert isinstance(generated, models.Document)
    assert generated.id == quote.id
    assert client.quotes.send(quote.id).document_id == quote.id
    assert client.quotes.accept(quote.id).status == models.DocumentStatus.ACCEPTED
    converted = client.quotes.convert(quote.id)
    assert converted.type == models.DocumentType.INVOICE
    declined = client.quotes.create(customer_id=customer.id, line_items=LINES)
    assert client.quotes.decline(declined.id).status == models.DocumentStatus.DECLINED
    dropped = client.quotes.create(customer_id=customer.id, line_items=LINES)
    assert client.quotes.cancel(dropped.id).status == models.DocumentStatus.CANCELLED
    quote_draft = client.quotes.create(customer_id=customer.id, line_items=LINES, status="draft")
    assert client.quotes.delete(quote_draft.id).deleted is True

    # --- receivables: disputes, payment plans, payment links ----------------------------------
    dispute = client.disputes.open(invoice_id=converted.id, reason="Hours not agreed")
    assert client.disputes.retrieve(dispute.id).id == dispute.id
    assert dispute.id in {d.id for d in client.disputes.list(invoice_id=converted.id)}
    assert client.disputes.resolve(dispute.id, outcome="rejected").status == "rejected"

    plan = client.payment_plans.enroll(invoice_id=converted.id, count=3, interval="month")
    assert len(plan.installments) == 3
    assert client.payment_plans.retrieve(plan.id).id == plan.id
    assert plan.id in {p.id for p in client.payment_plans.list()}
    assert client.payment_plans.cancel(plan.id).status == "cancelled"

    link = client.payment_links.create(document_id=converted.id, expiry_hours=24)
    assert link.amount == converted.amount_due
    assert client.payment_links.retrieve(link.id).id == link.id
    assert link.id in {p.id for p in client.payment_links.list(document_id=converted.id)}
    assert client.payment_links.deactivate(link.id).status != link.status

    # --- email: messages, templates, suppressions ---------------------------------------------
    tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    scheduled = client.invoices.action(converted.id, action="send", scheduled_date=tomorrow)
    assert isinstance(scheduled, models.Message)
    assert client.messages.retrieve(scheduled.id).status == models.MessageStatus.SCHEDULED
    assert scheduled.id in {m.id for m in client.messages.list(document_id=converted.id)}
    assert client.messages.cancel(scheduled.id).status == models.MessageStatus.CANCELLED

    template = client.email_templates.create(
        name="Friendly invoice",
        stage="initial_send",
        subject="Invoice {{ document.number }}",
        html_body="<p>Hello {{ customer.name }}</p>",
    )
    assert client.email_templates.retrieve(template.id).id == template.id
    assert template.id in {t.id for t in client.email_templates.list(stage="initial_send")}
    assert client.email_templates.update(template.id, name="Warm invoice").name == "Warm invoice"
    preview = client.email_templates.preview(template.id, document_id=invoice.id)
    assert invoice.number is not None
    assert invoice.number in preview.subject
    assert template.id in {t.id for t in client.templates.list()}
    assert client.email_templates.delete(template.id).deleted is True

    suppressed = f"bounce-{uuid.uuid4().hex[:8]}@example.com"
    client.email_suppressions.create(email=suppressed, reason="Bounced elsewhere")
    assert suppressed in {s.email for s in client.email_suppressions.list(email=suppressed)}
    assert client.email_suppressions.delete(suppressed).deleted is True

    # --- reports, events, the accounting feed -------------------------------------------------
    balance = client.reports.balance(customer_id=customer.id)
    assert [row.currency for row in balance.data] == ["EUR"]
    assert balance.data[0].outstanding > Decimal("0")
    aging = client.reports.aging(as_of=today)
    assert aging.as_of == today
    events = client.events.list(type="invoice.*", per_page=5)
    assert events.data
    assert all(e.type.startswith("invoice.") for e in events.data)
    assert client.events.retrieve(events.data[0].id).id == events.data[0].id
    changes = client.accounting_changes.list(status="pending", per_page=10)
    marked = client.accounting_changes.update(
        action="mark_synced", change_ids=[c.id for c in changes.data]
    )
    assert {c.id for c in marked.data} == {c.id for c in changes.data}
    assert {c.status for c in marked.data} <= {"synced"}

    # --- webhooks -----------------------------------------------------------------------------
    endpoint = client.webhook_endpoints.create(url=receiver.url, events=["invoice.paid"])
    assert endpoint.secret.startswith("whsec_")
    assert client.webhook_endpoints.retrieve(endpoint.id).url == receiver.url
    assert endpoint.id in {e.id for e in client.webhook_endpoints.list()}
    updated = client.webhook_endpoints.update(endpoint.id, description="Ledger")
    assert updated.description == "Ledger"
    rotated = client.webhook_endpoints.rotate_secret(endpoint.id)
    assert rotated.secret != endpoint.secret
    delivery = client.webhook_endpoints.send_test_event(endpoint.id)
    sent = receiver.next()
    event = faktura_sdk.Webhook([rotated.secret]).verify(sent.body, sent.headers)
    assert event.type == models.EventType.WEBHOOK_TEST
    assert delivery.id in {d.id for d in client.webhook_endpoints.list_deliveries(endpoint.id)}
    assert client.webhook_deliveries.retrieve(delivery.id).id == delivery.id
    client.webhook_deliveries.retry(delivery.id)
    again = receiver.next()
    assert again.headers["webhook-id"] == sent.headers["webhook-id"]
    assert client.webhook_endpoints.delete(endpoint.id).deleted is True

    assert client.items.delete(item.id).archived is True  # used on an invoice: kept, archived


async def async_scenario(client: AsyncFaktura) -> None:
    account = await client.account.retrieve()
    assert account.object == "account"
    customer = await client.customers.create(
        company_name=unique("Async Ltd"),
        contacts=[{"contact_name": "Ada", "email": "ada@async.example"}],
    )
    invoice = await client.invoices.create(customer_id=customer.id, line_items=LINES)
    assert invoice.subtotal == Decimal("349.90")
    assert (await client.invoices.retrieve(invoice.id)).id == invoice.id
    page = await client.invoices.list(customer_id=customer.id)
    assert [d.id for d in page.data] == [invoice.id]
    found = [c.id async for c in client.customers.list(search="Async Ltd", per_page=1)]
    assert customer.id in found
    with pytest.raises(faktura_sdk.NotFoundError):
        await client.customers.retrieve(str(uuid.uuid4()))
    cancelled = await client.invoices.cancel(invoice.id)
    assert cancelled.status == models.DocumentStatus.CANCELLED
    assert client.last_response is not None
    assert client.last_response.operation_id == "cancel_invoice"
