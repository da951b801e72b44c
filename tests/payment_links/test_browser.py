"""The hosted payment page in a real browser: what a customer sees and does, and what Faktura
records when they pay."""

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import simplejson

from faktura.config import Settings
from faktura.db.session import Database
from faktura.jobs.kinds import Registry, registry
from faktura.webhooks.jobs import DELIVER
from faktura.worker.runner import JobWorker
from tests.accounts.factories import ApiClient
from tests.customers.factories import create_customer
from tests.documents.factories import exact
from tests.payment_links.conftest import ARTEFACTS
from tests.payment_links.factories import create_link, english, token_of
from tests.payments.factories import invoice_of, status_of
from tests.webhooks.factories import create_endpoint
from tests.webhooks.receiver import Receiver

D = Decimal


async def _fill(page: Any, number: str = "4242 4242 4242 4242") -> None:
    await page.fill("#card_number", number)
    await page.fill("#card_expiry", "12/30")
    await page.fill("#card_cvc", "123")


async def test_paying_in_three_installments_records_the_payment_and_tells_the_webhook(
    api: ApiClient,
    db: Database,
    settings: Settings,
    served: str,
    browser: Any,
) -> None:
    await english(api)
    await api.patch("/v1/account", json={"issue_receipts": True})
    invoice = await invoice_of(api, "300.00")
    link = await create_link(api, document_id=invoice["id"], installments=3)
    with Receiver().running() as receiver:
        async with httpx.AsyncClient(base_url=served) as http:
            # Through the served app: it lets endpoints use 127.0.0.1.
            there = ApiClient(http=http, key=api.key, account_id=api.account_id)
            await create_endpoint(there, receiver.url(), events=["payment_link.completed"])
        page = await browser.new_page()
        await page.goto(f"{served}/pay/{token_of(link)}")
        assert await page.text_content("#amount") == "₪300.00"  # ILS, in en-US
        await page.select_option("#installments", "3")
        await _fill(page)
        await page.click("#pay")
        await page.wait_for_selector("#outcome")

        assert await page.text_content("#outcome") == "Thank you: your payment was received."
        assert await page.text_content("#paid-installments") == "In 3 installments."
        only = Registry()
        only.register(registry.get(DELIVER.name))
        settings_here = settings.model_copy(update={"webhook_allow_hosts": "127.0.0.1"})
        await JobWorker(db, settings_here, kinds=only).run_once()
        [delivered] = await asyncio.to_thread(receiver.wait_for, 1, 10)

    assert await status_of(api, invoice) == ("paid", D("300.00"), D("0.00"))
    payments = exact(await api.get("/v1/payments"))["data"]
    assert [(p["amount"], p["installments"]) for p in payments] == [(D("300.00"), 3)]
    assert payments[0]["receipt_id"] is not None
    body = exact_json(delivered.body)
    assert (body["type"], body["object_id"]) == ("payment_link.completed", link["id"])
    assert body["data"]["object"]["status"] == "completed"


def exact_json(raw: bytes) -> Any:
    return simplejson.loads(raw, use_decimal=True)


async def test_a_declined_card_is_shown_and_nothing_is_recorded(
    api: ApiClient, served: str, browser: Any
) -> None:
    await english(api)
    invoice = await invoice_of(api, "55.00")
    link = await create_link(api, document_id=invoice["id"])
    page = await browser.new_page()
    await page.goto(f"{served}/pay/{token_of(link)}")
    await _fill(page, "4000 0000 0000 0002")
    await page.click("#pay")
    await page.wait_for_selector("#error")

    assert await page.text_content("#error") == "Your card was declined."
    assert await page.is_visible("#pay-form")
    assert exact(await api.get("/v1/payments"))["data"] == []
    assert await status_of(api, invoice) == ("pending", D("0.00"), D("55.00"))


async def test_an_expired_link_shows_the_expired_page(
    api: ApiClient,
    served: str,
    browser: Any,
    clock: list,  # type: ignore[type-arg]
) -> None:
    await english(api)
    invoice = await invoice_of(api, "20.00")
    link = await create_link(api, document_id=invoice["id"], expiry_hours=1)
    clock[0] += timedelta(hours=2)
    page = await browser.new_page()

    response = await page.goto(f"{served}/pay/{token_of(link)}")

    assert response.status == 410
    assert await page.text_content("#outcome") == (
        "This payment link has expired. Please ask Acme Ltd for a new one."
    )
    assert await page.query_selector("#pay-form") is None


async def test_the_same_link_paid_from_two_tabs_is_paid_once(
    api: ApiClient, served: str, browser: Any
) -> None:
    await english(api)
    invoice = await invoice_of(api, "75.00")
    link = await create_link(api, document_id=invoice["id"])
    context = await browser.new_context()
    tabs = [await context.new_page() for _ in range(2)]
    for tab in tabs:
        await tab.goto(f"{served}/pay/{token_of(link)}")
        await _fill(tab)

    await asyncio.gather(*(tab.click("#pay") for tab in tabs))
    outcomes = sorted([await tab.text_content("#outcome") for tab in tabs])

    assert outcomes == [
        "Thank you: your payment was received.",
        "This invoice has been paid through this link.",
    ]
    payments = exact(await api.get("/v1/payments"))["data"]
    assert [p["amount"] for p in payments] == [D("75.00")]
    assert await status_of(api, invoice) == ("paid", D("75.00"), D("0.00"))


async def test_a_hebrew_invoice_reads_right_to_left_and_a_name_stays_text(
    api: ApiClient, served: str, browser: Any
) -> None:
    customer = await create_customer(
        api, company_name="<script>alert('x')</script> שלום Ltd", locale="he-IL"
    )
    invoice = await invoice_of(api, "1234.50", customer["id"])
    link = await create_link(api, document_id=invoice["id"], installments=2)
    page = await browser.new_page(viewport={"width": 480, "height": 760})
    alerts: list[str] = []
    page.on("dialog", lambda dialog: alerts.append(dialog.message))

    response = await page.goto(f"{served}/pay/{token_of(link)}")

    assert response.status == 200
    assert await page.get_attribute("html", "dir") == "rtl"
    assert await page.get_attribute("html", "lang") == "he"
    direction = await page.evaluate("getComputedStyle(document.body).direction")
    assert direction == "rtl"
    assert await page.text_content("h1") == f"חשבונית {invoice['number']}"
    assert await page.text_content("#customer") == "<script>alert('x')</script> שלום Ltd"
    assert await page.evaluate("document.scripts.length") == 0
    assert alerts == []
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTEFACTS / "pay-page-he.png"), full_page=True)


async def test_the_page_sends_a_strict_content_security_policy(
    api: ApiClient, served: str, browser: Any
) -> None:
    invoice = await invoice_of(api, "10.00")
    link = await create_link(api, document_id=invoice["id"])
    page = await browser.new_page()
    response = await page.goto(f"{served}/pay/{token_of(link)}")

    headers = await response.all_headers()
    assert headers["content-security-policy"] == (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    assert headers["referrer-policy"] == "no-referrer"
    stylesheet = await page.evaluate(
        "getComputedStyle(document.querySelector('main')).borderTopWidth"
    )
    assert stylesheet == "4px"  # the page's own stylesheet loaded under that policy
