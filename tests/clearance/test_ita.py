"""Israel: allocation numbers from a loopback Israel Tax Authority, through the owner's OAuth2
grant and the job runner; the dated threshold rule at each boundary."""

from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from faktura.clearance.authorities import il_ita
from faktura.clearance.jobs import SUBMIT
from faktura.config import Settings
from faktura.db.session import Database
from faktura.email.jobs import DELIVER
from faktura.pdfs.jobs import ARCHIVE
from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.clearance.fake_ita import CLIENT_ID, CLIENT_SECRET, TEST_DEALER, FakeIta
from tests.customers.factories import create_customer
from tests.documents.factories import create_document, exact, line
from tests.jobs.helpers import due_now, run_account_jobs
from tests.pdfs.reading import text_lines


def _doc(day: str, before_vat: str, **overrides: Any) -> dict[str, Any]:
    vat = (Decimal(before_vat) * Decimal("0.18")).quantize(Decimal("0.01"))
    return {
        "type": "invoice",
        "issue_date": day,
        "currency": "ILS",
        "total": str(Decimal(before_vat) + vat),
        "tax_amount": str(vat),
        **overrides,
    }


DEALER = {"tax_id": str(TEST_DEALER), "address": {"country": "IL"}}


@pytest.mark.parametrize(
    ("day", "before_vat", "expected"),
    [
        ("2024-05-04", "30000.00", False),  # before allocation numbers
        ("2024-05-05", "25000.00", False),  # at the threshold: not above it
        ("2024-05-05", "25000.01", True),
        ("2024-12-31", "20000.01", False),  # 25,000 still
        ("2025-01-01", "20000.00", False),
        ("2025-01-01", "20000.01", True),
        ("2025-12-31", "10000.01", False),  # 20,000 still
        ("2026-01-01", "10000.00", False),
        ("2026-01-01", "10000.01", True),
        ("2026-05-31", "5000.01", False),  # 10,000 still
        ("2026-06-01", "5000.00", False),
        ("2026-06-01", "5000.01", True),
        ("2026-12-04", "12000.00", True),
    ],
)
def test_the_threshold_in_force_on_the_issue_date(
    day: str, before_vat: str, expected: bool
) -> None:
    assert il_ita.required(_doc(day, before_vat), DEALER) is expected


@pytest.mark.parametrize(
    ("document", "customer", "expected"),
    [
        (_doc("2026-12-04", "9000.00"), {"tax_id": None}, False),  # a consumer
        (_doc("2026-12-04", "9000.00"), {"tax_id": "DE136695976"}, False),  # not an Israeli dealer
        (_doc("2026-12-04", "9000.00"), {"tax_id": "123456789"}, False),  # check digit wrong
        (_doc("2026-12-04", "9000.00", tax_amount="0.00"), DEALER, False),  # no VAT charged
        (_doc("2026-12-04", "9000.00", type="quote"), DEALER, False),
        (_doc("2026-12-04", "9000.00", type="receipt"), DEALER, False),
        (_doc("2026-12-04", "9000.00", type="credit_note"), DEALER, True),
        (_doc("2026-12-04", "100.00", currency="USD"), DEALER, True),  # not converted: asked
        (_doc("2026-12-04", "9000.00"), {"tax_id": "IL777777715"}, True),
    ],
)
def test_who_and_what_needs_an_allocation_number(
    document: dict[str, Any], customer: dict[str, Any], expected: bool
) -> None:
    assert il_ita.required(document, customer) is expected


def test_the_thresholds_are_one_dated_table() -> None:
    assert [il_ita.threshold_on(d) for d in (date(2024, 5, 4), date(2026, 12, 4))] == [
        None,
        Decimal(5000),
    ]


async def _israeli_seller(api: ApiClient, ita: FakeIta, **clearance: Any) -> dict[str, str]:
    response = await api.patch(
        "/v1/account",
        json={
            "legal_name": 'אקמה בע"מ',
            "tax_id": "516179157",
            "address": {
                "street": "רוטשילד 1",
                "city": "תל אביב",
                "zip": "6688101",
                "country": "IL",
            },
            "default_currency": "ILS",
            "vat_rates": [{"name": "Standard", "rate": "18", "category": "S"}],
            "locale": "he-IL",
        },
    )
    assert response.status_code == 200, response.text
    put = await api.put(
        "/v1/account/clearance",
        json={
            "provider": "il_ita",
            "base_url": ita.url,
            "credentials": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
            "il_ita": {"software_registration_number": "12345678"},
            **clearance,
        },
    )
    assert put.status_code == 200, put.text
    return {rate["name"]: rate["id"] for rate in response.json()["vat_rates"]}


async def _grant(api: ApiClient) -> httpx.Response:
    """The owner follows the authorization URL, grants access at ITA, and is sent back."""
    started = await api.post("/v1/account/clearance/authorization", json={})
    assert started.status_code == 200, started.text
    async with httpx.AsyncClient(trust_env=False) as browser:
        at_ita = await browser.get(started.json()["url"])
    assert at_ita.status_code == 302
    back = urlparse(at_ita.headers["Location"])
    assert back.path == "/clearance/il_ita/callback"
    return await api.http.get(f"{back.path}?{back.query}")


async def _issue(api: ApiClient, rates: dict[str, str], customer_tax_id: str, price: str) -> dict:
    customer = await create_customer(
        api,
        company_name='בטא בע"מ',
        tax_id=customer_tax_id,
        email="books@beta.example",
        address={"street": "הרצל 5", "city": "חיפה", "zip": "3303101", "country": "IL"},
    )
    return await create_document(
        api,
        customer_id=customer["id"],
        status="pending",
        issue_date="2026-12-04",
        currency="ILS",
        line_items=[line(unit_price=price, vat_rate_id=rates["Standard"], unit="day")],
    )


async def _shown(api: ApiClient, document: dict) -> dict:
    body: dict = exact(await api.get(f"/v1/invoices/{document['id']}"))
    return body


async def test_granted_once_then_an_invoice_above_the_threshold_gets_its_allocation_number(
    api: ApiClient, db: Database, settings: Settings, ita: FakeIta
) -> None:
    rates = await _israeli_seller(api, ita)
    before = (await api.get("/v1/account/clearance")).json()
    callback = await _grant(api)
    after = (await api.get("/v1/account/clearance")).json()
    invoice = await _issue(api, rates, str(TEST_DEALER), "12000.00")

    outcomes = await run_account_jobs(db, settings, SUBMIT.name, api.account_id)
    shown = await _shown(api, invoice)

    assert (before["authorized"], after["authorized"]) == (False, True)
    assert callback.status_code == 200
    assert "Access granted" in callback.text
    assert invoice["clearance"]["status"] == "pending"
    assert [o.status for o in outcomes] == ["succeeded"]
    [request] = ita.approvals
    number = ita.given[invoice["id"]]
    assert shown["clearance"]["status"] == "cleared"
    assert shown["clearance"]["reference"] == number
    assert {
        k: request[k]
        for k in (
            "Invoice_ID",
            "Invoice_Type",
            "Vat_Number",
            "Customer_VAT_Number",
            "Invoice_Reference_Number",
            "Invoice_Date",
            "Accounting_Software_Number",
            "Amount_Before_Discount",
            "Discount",
            "Payment_Amount",
            "VAT_Amount",
            "Payment_Amount_Including_VAT",
        )
    } == {
        "Invoice_ID": invoice["id"],
        "Invoice_Type": 305,
        "Vat_Number": 516179157,
        "Customer_VAT_Number": TEST_DEALER,
        "Invoice_Reference_Number": invoice["number"],
        "Invoice_Date": "2026-12-04",
        "Accounting_Software_Number": 12345678,
        "Amount_Before_Discount": 12000.0,
        "Discount": 0.0,
        "Payment_Amount": 12000.0,
        "VAT_Amount": 2160.0,
        "Payment_Amount_Including_VAT": 14160.0,
    }
    assert request["Items"] == [
        {
            "Index": 1,
            "Description": "Consulting",
            "Measure_Unit_Description": "day",
            "Quantity": 1.0,
            "Price_Per_Unit": 12000.0,
            "Discount": 0.0,
            "Total_Amount": 12000.0,
            "VAT_Rate": 18.0,
        }
    ]
    events = (await api.get("/v1/events", params={"type": "invoice.cleared"})).json()["data"]
    assert [e["data"]["object"]["clearance"]["reference"] for e in events] == [number]

    await run_account_jobs(db, settings, ARCHIVE.name, api.account_id)
    pdf = await api.get(f"/v1/invoices/{invoice['id']}/pdf")
    assert f"מספר הקצאה {number[-9:]}" in text_lines(pdf.content)


async def test_below_the_threshold_nothing_is_asked(
    api: ApiClient, db: Database, settings: Settings, ita: FakeIta
) -> None:
    rates = await _israeli_seller(api, ita)
    await _grant(api)
    invoice = await _issue(api, rates, str(TEST_DEALER), "5000.00")

    await run_account_jobs(db, settings, SUBMIT.name, api.account_id)

    assert invoice["clearance"]["status"] == "not_required"
    assert (await _shown(api, invoice))["clearance"]["status"] == "not_required"
    assert ita.approvals == []


async def test_a_refusal_is_shown_and_stops_the_send(
    api: ApiClient, db: Database, settings: Settings, ita: FakeIta
) -> None:
    rates = await _israeli_seller(api, ita, require_before_send=True)
    await _grant(api)
    invoice = await _issue(api, rates, "123456782", "12000.00")

    await run_account_jobs(db, settings, SUBMIT.name, api.account_id)
    sent = await api.post(f"/v1/invoices/{invoice['id']}/send", json={"attach_pdf": False})
    await run_account_jobs(db, settings, DELIVER.name, api.account_id)

    shown = await _shown(api, invoice)
    assert shown["clearance"]["status"] == "rejected"
    assert shown["clearance"]["errors"] == [
        {"code": "404", "message": "The customer is not a registered dealer"}
    ]
    message = (await api.get(f"/v1/messages/{sent.json()['id']}")).json()
    assert (message["status"], message["error"]) == (
        "failed",
        "the document was not cleared (rejected): The customer is not a registered dealer",
    )


async def test_an_expired_access_token_is_refreshed_and_a_withdrawn_grant_waits(
    api: ApiClient, db: Database, settings: Settings, ita: FakeIta
) -> None:
    rates = await _israeli_seller(api, ita)
    await _grant(api)
    first = await _issue(api, rates, str(TEST_DEALER), "12000.00")
    ita.expire_tokens()  # ITA no longer takes the access token Faktura holds

    refused = await run_account_jobs(db, settings, SUBMIT.name, api.account_id)
    await _expire_stored_token(db, api)
    refreshed = await run_account_jobs(db, settings, SUBMIT.name, api.account_id)
    second = await _issue(api, rates, str(TEST_DEALER), "12000.00")
    ita.revoke()
    await _expire_stored_token(db, api)
    withdrawn = await run_account_jobs(db, settings, SUBMIT.name, api.account_id)

    assert [o.status for o in refused] == ["queued"]  # tried again after its back-off
    assert [o.status for o in refreshed] == ["succeeded"]
    assert (await _shown(api, first))["clearance"]["status"] == "cleared"
    assert ita.token_requests == ["authorization_code", "refresh_token", "refresh_token"]
    assert [o.status for o in withdrawn] == ["queued"]
    assert (await _shown(api, second))["clearance"]["status"] == "pending"


async def _expire_stored_token(db: Database, api: ApiClient) -> None:
    """Faktura's copy of the access token is past its expiry, and its due retries run now."""
    from datetime import UTC, datetime

    from sqlalchemy import update

    from faktura.clearance.models import ClearanceSettings

    async with db.transaction() as session:
        await session.execute(
            update(ClearanceSettings)
            .where(ClearanceSettings.account_id == api.account_id)
            .values(token_expires_at=datetime(2000, 1, 1, tzinfo=UTC))
        )
    await due_now(db, SUBMIT.name, api.account_id)


async def test_the_callback_refuses_what_no_grant_started(api: ApiClient, ita: FakeIta) -> None:
    await _israeli_seller(api, ita)

    unknown = await api.http.get("/clearance/il_ita/callback?code=abc&state=never-issued")
    denied = await api.http.get("/clearance/il_ita/callback?error=access_denied&state=x")
    bare = await api.http.get("/clearance/il_ita/callback")

    assert unknown.status_code == 404
    assert "No grant is under way" in unknown.text
    assert denied.status_code == 400
    assert "access_denied" in denied.text
    assert bare.status_code == 400
    assert (await api.get("/v1/account/clearance")).json()["authorized"] is False


async def test_authorization_needs_il_ita_configured(api: ApiClient) -> None:
    response = await api.post("/v1/account/clearance/authorization", json={})

    assert_error(response, 409, "invalid_state")
