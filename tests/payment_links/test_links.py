"""Payment links through the API: the rules of creating one, listing, deactivating, and what
paying one on the hosted page records."""

from datetime import timedelta
from decimal import Decimal

import httpx
from sqlalchemy import update

from faktura.config import Settings
from faktura.core import secrets
from faktura.core.clock import utcnow
from faktura.db.session import Database
from faktura.payment_links.models import ProviderAccount
from tests.accounts.factories import ApiClient, add_key, create_account_with_key
from tests.assertions import assert_error
from tests.customers.factories import events
from tests.documents.factories import create_document, exact, line
from tests.jobs.helpers import run_account_jobs
from tests.payment_links.factories import create_link, english, refused, submit, token_of
from tests.payments.factories import invoice_of, pay, status_of

D = Decimal


async def test_a_link_defaults_to_the_amount_due_72_hours_and_one_installment(
    api: ApiClient,
) -> None:
    invoice = await invoice_of(api, "250.00")
    await pay(api, amount="50.00", invoice_id=invoice["id"])
    before = utcnow()

    link = await create_link(api, document_id=invoice["id"])

    assert (link["status"], link["amount"], link["currency"]) == (
        "active",
        D("200.00"),
        invoice["currency"],
    )
    assert (link["installments"], link["single_use"], link["provider"]) == (1, True, "test")
    assert (link["payment_id"], link["completed_at"], link["livemode"]) == (None, None, False)
    expires = link["expires_at"]
    assert before + timedelta(hours=72) - timedelta(seconds=5) <= _at(expires)
    assert _at(expires) <= utcnow() + timedelta(hours=72)
    assert len(token_of(link)) >= 43  # 32 random bytes, URL-safe base64
    assert link["url"].startswith("http://127.0.0.1:8000/pay/")
    [created] = await events(api, "payment_link.created")
    assert created["object_id"] == link["id"]
    assert exact(await api.get(f"/v1/payment_links/{link['id']}")) == link


def _at(text: str):  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_link_rules_refuse_what_cannot_be_paid(api: ApiClient) -> None:
    invoice = await invoice_of(api, "100.00")
    draft = await create_document(api, status="draft", line_items=[line()], tax_amount="0")
    paid = await invoice_of(api, "30.00")
    await pay(api, amount="30.00", invoice_id=paid["id"])
    cancelled = await invoice_of(api, "40.00")
    assert (await api.post(f"/v1/invoices/{cancelled['id']}/cancel")).status_code == 200

    above = await refused(api, 422, "validation_error", document_id=invoice["id"], amount="100.01")
    currency = invoice["currency"]
    assert above["details"] == [
        {
            "field": "amount",
            "message": f"100.01 {currency} is more than the invoice's amount due "
            f"(100.00 {currency})",
        }
    ]
    for document in (draft, paid, cancelled):
        await refused(api, 409, "invalid_state", document_id=document["id"])
    unknown = await refused(
        api, 404, "not_found", document_id="0190a000-0000-7000-8000-000000000000"
    )
    assert str(unknown["message"]).startswith("document_id:")
    for body, field in (
        ({"document_id": invoice["id"], "expiry_hours": 0}, "expiry_hours"),
        ({"document_id": invoice["id"], "expiry_hours": 8761}, "expiry_hours"),
        ({"document_id": invoice["id"], "installments": 37}, "installments"),
        ({"document_id": invoice["id"], "installments": "3"}, "installments"),
        ({"document_id": invoice["id"], "amount": "0"}, "amount"),
        ({"document_id": invoice["id"], "amount": "1.001"}, "amount"),
        ({"document_id": invoice["id"], "single_use": "yes"}, "single_use"),
        ({"document_id": invoice["id"], "colour": "red"}, "colour"),
        ({}, "document_id"),
    ):
        error = await refused(api, 422, "validation_error", **body)
        assert [d["field"] for d in error["details"]] == [field], body  # type: ignore[attr-defined]
    listed = exact(await api.get("/v1/payment_links"))
    assert listed["data"] == []  # nothing was written by any refusal


async def test_another_accounts_invoice_and_link_are_not_found(
    api: ApiClient, http: httpx.AsyncClient, db: Database
) -> None:
    other = await create_account_with_key(db, http)
    theirs = await invoice_of(other, "10.00")
    their_link = await create_link(other, document_id=theirs["id"])

    await create_link(api, 404, document_id=theirs["id"])
    assert (await api.get(f"/v1/payment_links/{their_link['id']}")).status_code == 404
    assert (await api.post(f"/v1/payment_links/{their_link['id']}/deactivate")).status_code == 404


async def test_list_filters_by_document_and_status(api: ApiClient, clock: list) -> None:  # type: ignore[type-arg]
    first = await invoice_of(api, "10.00")
    second = await invoice_of(api, "20.00")
    old = await create_link(api, document_id=first["id"], expiry_hours=1)
    clock[0] += timedelta(hours=2)
    fresh = await create_link(api, document_id=first["id"])
    off = await create_link(api, document_id=second["id"])
    await api.post(f"/v1/payment_links/{off['id']}/deactivate")

    def ids(query: str) -> list[str]:
        return [x["id"] for x in exact(responses[query])["data"]]

    responses = {
        q: await api.get(f"/v1/payment_links?{q}")
        for q in (
            f"document_id={first['id']}",
            "status=active",
            "status=expired",
            "status=deactivated",
        )
    }
    assert sorted(ids(f"document_id={first['id']}")) == sorted([old["id"], fresh["id"]])
    assert ids("status=active") == [fresh["id"]]
    assert ids("status=expired") == [old["id"]]
    assert ids("status=deactivated") == [off["id"]]
    bad = assert_error(await api.get("/v1/payment_links?status=open"), 422, "validation_error")
    assert [d["field"] for d in bad["details"]] == ["status"]  # type: ignore[attr-defined]


async def test_deactivate_is_idempotent_and_refused_once_completed(
    api: ApiClient, http: httpx.AsyncClient
) -> None:
    await english(api)
    invoice = await invoice_of(api, "10.00")
    link = await create_link(api, document_id=invoice["id"])
    first = exact(await api.post(f"/v1/payment_links/{link['id']}/deactivate"))
    again = exact(await api.post(f"/v1/payment_links/{link['id']}/deactivate"))
    assert (first["status"], again["deactivated_at"]) == ("deactivated", first["deactivated_at"])
    page = await http.get(f"/pay/{token_of(link)}")
    assert page.status_code == 410
    assert "no longer active" in page.text

    other = await invoice_of(api, "12.00")
    paid_link = await create_link(api, document_id=other["id"])
    assert (await submit(http, paid_link)).status_code == 200
    deactivated = await api.post(f"/v1/payment_links/{paid_link['id']}/deactivate")
    assert_error(deactivated, 409, "invalid_state")


async def test_paying_records_one_payment_with_installments_and_a_receipt(
    api: ApiClient, http: httpx.AsyncClient
) -> None:
    await english(api)
    await api.patch("/v1/account", json={"issue_receipts": True})
    invoice = await invoice_of(api, "300.00")
    link = await create_link(api, document_id=invoice["id"], installments=3)

    page = await submit(http, link, installments=3)

    assert page.status_code == 200, page.text
    assert "your payment was received" in page.text
    assert await status_of(api, invoice) == ("paid", D("300.00"), D("0.00"))
    link = exact(await api.get(f"/v1/payment_links/{link['id']}"))
    assert link["status"] == "completed"
    payment = exact(await api.get(f"/v1/payments/{link['payment_id']}"))
    assert (payment["amount"], payment["payment_method"], payment["installments"]) == (
        D("300.00"),
        "card",
        3,
    )
    assert payment["external_payment_id"].startswith("test:tp_")
    assert payment["receipt_id"] is not None
    [completed] = await events(api, "payment_link.completed")
    assert completed["object_id"] == link["id"]
    assert [e["object_id"] for e in await events(api, "payment.created")] == [payment["id"]]

    again = await submit(http, link)
    assert again.status_code == 200
    assert "paid through this link" in again.text
    assert len(exact(await api.get("/v1/payments"))["data"]) == 1


async def test_a_declined_card_shows_the_reason_and_records_nothing(
    api: ApiClient, http: httpx.AsyncClient
) -> None:
    await english(api)
    invoice = await invoice_of(api, "80.00")
    link = await create_link(api, document_id=invoice["id"])

    declined = await submit(http, link, card_number="4000 0000 0000 0002")
    poor = await submit(http, link, card_number="4000000000009995")
    wrong = await submit(http, link, card_number="4242 4242 4242 4241")
    expired = await submit(http, link, card_expiry="01/20")

    assert [r.status_code for r in (declined, poor, wrong, expired)] == [402] * 4
    assert "Your card was declined." in declined.text
    assert "Your card has insufficient funds." in poor.text
    assert "Your card number is incorrect." in wrong.text
    assert "expiration date is in the past" in expired.text
    assert exact(await api.get("/v1/payments"))["data"] == []
    assert await status_of(api, invoice) == ("pending", D("0.00"), D("80.00"))
    assert exact(await api.get(f"/v1/payment_links/{link['id']}"))["status"] == "active"


async def test_a_multi_use_link_takes_payments_until_the_invoice_is_paid(
    api: ApiClient, http: httpx.AsyncClient
) -> None:
    invoice = await invoice_of(api, "100.00")
    link = await create_link(api, document_id=invoice["id"], amount="60.00", single_use=False)

    await submit(http, link)
    assert exact(await api.get(f"/v1/payment_links/{link['id']}"))["status"] == "active"
    await submit(http, link)  # takes only the 40.00 still due

    assert await status_of(api, invoice) == ("paid", D("100.00"), D("0.00"))
    amounts = sorted(p["amount"] for p in exact(await api.get("/v1/payments"))["data"])
    assert amounts == [D("40.00"), D("60.00")]
    assert exact(await api.get(f"/v1/payment_links/{link['id']}"))["status"] == "completed"


async def test_an_expired_link_shows_the_expired_page(
    api: ApiClient,
    http: httpx.AsyncClient,
    clock: list,  # type: ignore[type-arg]
) -> None:
    await english(api)
    invoice = await invoice_of(api, "10.00")
    link = await create_link(api, document_id=invoice["id"], expiry_hours=1)
    clock[0] += timedelta(hours=1)

    page = await http.get(f"/pay/{token_of(link)}")
    posted = await submit(http, link)

    assert (page.status_code, posted.status_code) == (410, 410)
    assert "This payment link has expired" in page.text
    assert exact(await api.get("/v1/payments"))["data"] == []
    assert exact(await api.get(f"/v1/payment_links/{link['id']}"))["status"] == "expired"


async def test_a_pending_payment_is_asked_about_by_a_job_and_recorded_once(
    api: ApiClient,
    http: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    clock: list,  # type: ignore[type-arg]
) -> None:
    await english(api)
    invoice = await invoice_of(api, "45.00")
    link = await create_link(api, document_id=invoice["id"])

    page = await submit(http, link, card_number="4000 0025 0000 3155")
    assert page.status_code == 202
    assert "being confirmed by your bank" in page.text
    assert await status_of(api, invoice) == ("pending", D("0.00"), D("45.00"))

    clock[0] += timedelta(minutes=16)
    [checked] = await run_account_jobs(db, settings, "payment_links.check", api.account_id)
    again = await run_account_jobs(db, settings, "payment_links.check", api.account_id)

    assert (checked.status, checked.result, again) == ("succeeded", {"status": "succeeded"}, [])

    assert await status_of(api, invoice) == ("paid", D("45.00"), D("0.00"))
    assert len(exact(await api.get("/v1/payments"))["data"]) == 1


async def test_a_refund_in_faktura_is_carried_to_the_provider_once(
    api: ApiClient, http: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    invoice = await invoice_of(api, "90.00")
    link = await create_link(api, document_id=invoice["id"])
    await submit(http, link)
    payment_id = exact(await api.get(f"/v1/payment_links/{link['id']}"))["payment_id"]

    refunded = exact(await api.post(f"/v1/payments/{payment_id}/refund", json={"amount": "30.00"}))
    [done] = await run_account_jobs(
        db, settings, "payment_links.refund_at_provider", api.account_id
    )

    assert refunded["amount_refunded"] == D("30.00")
    assert (done.status, done.result) == ("succeeded", {"refunded": D("30.00")})
    assert await status_of(api, invoice) == ("partial", D("60.00"), D("30.00"))


async def test_the_page_is_rate_limited_per_link_and_address(
    api: ApiClient, http: httpx.AsyncClient, settings: Settings
) -> None:
    invoice = await invoice_of(api, "10.00")
    link = await create_link(api, document_id=invoice["id"])
    other = await create_link(api, document_id=invoice["id"])
    allowed = settings.pay_page_rate_limit_per_minute

    answers = [(await http.get(f"/pay/{token_of(link)}")).status_code for _ in range(allowed + 1)]
    another_link = await http.get(f"/pay/{token_of(other)}")

    assert answers == [200] * allowed + [429]
    last = await http.get(f"/pay/{token_of(link)}")
    assert last.status_code == 429
    assert 1 <= int(last.headers["retry-after"]) <= 60
    assert "Too many requests" in last.text
    assert another_link.status_code == 200


async def test_live_mode_needs_a_live_provider_and_test_money_never_pays_it(
    api: ApiClient, http: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    live = ApiClient(http, await add_key(db, api.account_id, livemode=True), api.account_id)
    invoice = await invoice_of(live, "50.00")
    error = await refused(live, 409, "invalid_state", document_id=invoice["id"])
    assert "No live payment provider" in str(error["message"])
    test_keys = await live.put(
        "/v1/account/payment_providers/stripe",
        json={"secret_key": "sk_test_abcdef12", "publishable_key": "pk_test_abcdef12"},
    )
    assert assert_error(test_keys, 422, "validation_error")["details"] == [
        {"field": "secret_key", "message": "a live-mode key is needed in live mode"}
    ]

    # A live link whose provider account would take test money (its key swapped behind the
    # API's back) is refused at payment, and nothing is written.
    configured = await live.put(
        "/v1/account/payment_providers/stripe",
        json={"secret_key": "sk_live_abcdef12", "publishable_key": "pk_live_abcdef12"},
    )
    assert configured.status_code == 200, configured.text
    link = await create_link(live, document_id=invoice["id"])
    assert (link["provider"], link["livemode"]) == ("stripe", True)
    async with db.transaction() as session:
        await session.execute(
            update(ProviderAccount)
            .where(ProviderAccount.account_id == api.account_id)
            .values(secret_key_encrypted=secrets.encrypt(settings, "sk_test_abcdef12"))
        )
    page = await http.post(f"/pay/{token_of(link)}", data={"installments": "1"})

    assert page.status_code == 409
    assert "cannot take payments now" in page.text
    assert exact(await live.get("/v1/payments"))["data"] == []
