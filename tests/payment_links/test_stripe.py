"""The Stripe adapter against localstripe (Stripe's API mocked on loopback, driven through the
official `stripe` package): a PaymentIntent per payment, the card confirmed as Stripe.js would,
the outcome learnt from Stripe-signed webhooks, refunds carried to Stripe, forged
notifications refused."""

import asyncio
import contextlib
import json
import time
import warnings
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
import stripe

from faktura.config import Settings
from faktura.db.session import Database
from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.documents.factories import exact
from tests.jobs.helpers import run_account_jobs
from tests.payment_links.factories import create_link, english, token_of
from tests.payments.factories import invoice_of, status_of

D = Decimal
SECRET_KEY = "sk_test_faktura0000"
PUBLISHABLE_KEY = "pk_test_faktura0000"


@pytest.fixture
def stripe_client(localstripe: str) -> Iterator[stripe.StripeClient]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield stripe.StripeClient(SECRET_KEY, base_addresses={"api": localstripe})


async def _use_stripe(api: ApiClient, localstripe: str, served: str, secret: str) -> str:
    """Configure Stripe for the account, and point localstripe's webhooks at its URL; the
    notification path."""
    response = await api.put(
        "/v1/account/payment_providers/stripe",
        json={
            "secret_key": SECRET_KEY,
            "publishable_key": PUBLISHABLE_KEY,
            "webhook_secret": secret,
            "api_base_url": localstripe,
        },
    )
    assert response.status_code == 200, response.text
    path = "/" + response.json()["webhook_url"].split("/", 3)[3]
    async with httpx.AsyncClient() as client:
        configured = await client.post(
            f"{localstripe}/_config/webhooks/faktura",
            data={"url": f"{served}{path}", "secret": secret},
        )
    assert configured.status_code == 200, configured.text
    return path


def _intent_of(page: str) -> tuple[str, str]:
    """The PaymentIntent the page's Stripe step confirms: (its id, its client secret)."""
    secret = page.split('data-secret="', 1)[1].split('"', 1)[0]
    return secret.split("_secret_", 1)[0], secret


def _confirm(client: stripe.StripeClient, intent_id: str, number: str) -> None:
    """What Stripe.js does with the card the payer typed into Stripe Elements."""
    method = client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    client.v1.payment_intents.update(intent_id, params={"payment_method": method.id})
    with contextlib.suppress(stripe.CardError):  # a decline: Faktura learns it from Stripe
        client.v1.payment_intents.confirm(intent_id)


async def _eventually(check: Any, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "the webhook did not arrive"
        await asyncio.sleep(0.2)


async def test_a_card_payment_through_stripe_is_recorded_once_from_its_webhook(
    api: ApiClient, served: str, localstripe: str, stripe_client: stripe.StripeClient
) -> None:
    await english(api)
    await _use_stripe(api, localstripe, served, "whsec_paid0001")
    invoice = await invoice_of(api, "250.00")
    link = await create_link(api, document_id=invoice["id"], installments=3)
    assert link["provider"] == "stripe"

    async with httpx.AsyncClient(base_url=served) as browser:
        page = await browser.post(f"/pay/{token_of(link)}", data={"installments": "2"})
        assert page.status_code == 200, page.text
        assert f'<script src="{localstripe}/js.stripe.com/v3/">' in page.text
        assert f"script-src 'self' {localstripe}" in page.headers["content-security-policy"]
        intent_id, _ = _intent_of(page.text)
        again = await browser.post(f"/pay/{token_of(link)}", data={"installments": "2"})
        assert _intent_of(again.text)[0] == intent_id  # a second tab finishes the same payment
        intent = stripe_client.v1.payment_intents.retrieve(intent_id)
        assert (intent.amount, intent.currency, intent.metadata["installments"]) == (
            25000,
            invoice["currency"].lower(),
            "2",
        )

        _confirm(stripe_client, intent_id, "4242424242424242")

        async def paid() -> bool:
            return (await status_of(api, invoice))[0] == "paid"

        await _eventually(paid)
        back = await browser.get(f"/pay/{token_of(link)}/return/{intent_id}")

    assert back.status_code == 200
    assert "Thank you: your payment was received." in back.text
    payments = exact(await api.get("/v1/payments"))["data"]
    assert [(p["amount"], p["installments"], p["external_payment_id"]) for p in payments] == [
        (D("250.00"), 2, f"stripe:{intent_id}")
    ]
    assert exact(await api.get(f"/v1/payment_links/{link['id']}"))["status"] == "completed"


async def test_a_declined_card_at_stripe_records_nothing(
    api: ApiClient, served: str, localstripe: str, stripe_client: stripe.StripeClient
) -> None:
    await english(api)
    await _use_stripe(api, localstripe, served, "whsec_declined01")
    invoice = await invoice_of(api, "40.00")
    link = await create_link(api, document_id=invoice["id"])
    async with httpx.AsyncClient(base_url=served) as browser:
        page = await browser.post(f"/pay/{token_of(link)}", data={"installments": "1"})
        intent_id, _ = _intent_of(page.text)

        _confirm(stripe_client, intent_id, "4000000000000341")  # Stripe's "charge declined"
        back = await browser.get(f"/pay/{token_of(link)}/return/{intent_id}")

    assert back.status_code == 402
    assert "Your card was declined." in back.text
    assert exact(await api.get("/v1/payments"))["data"] == []
    assert await status_of(api, invoice) == ("pending", D("0.00"), D("40.00"))


async def test_a_refund_in_faktura_is_made_at_stripe(
    api: ApiClient,
    db: Database,
    settings: Settings,
    served: str,
    localstripe: str,
    stripe_client: stripe.StripeClient,
) -> None:
    await english(api)
    await _use_stripe(api, localstripe, served, "whsec_refund0001")
    invoice = await invoice_of(api, "90.00")
    link = await create_link(api, document_id=invoice["id"])
    async with httpx.AsyncClient(base_url=served) as browser:
        page = await browser.post(f"/pay/{token_of(link)}", data={"installments": "1"})
        intent_id, _ = _intent_of(page.text)
        _confirm(stripe_client, intent_id, "4242424242424242")
        await browser.get(f"/pay/{token_of(link)}/return/{intent_id}")
    [payment] = exact(await api.get("/v1/payments"))["data"]

    await api.post(f"/v1/payments/{payment['id']}/refund", json={"amount": "25.00"})
    [job] = await run_account_jobs(db, settings, "payment_links.refund_at_provider", api.account_id)

    assert (job.status, job.result) == ("succeeded", {"refunded": D("25.00")})
    intent = stripe_client.v1.payment_intents.retrieve(intent_id).to_dict()
    assert intent["latest_charge"]["amount_refunded"] == 2500
    assert exact(await api.get(f"/v1/payments/{payment['id']}"))["amount_refunded"] == D("25.00")
    assert await status_of(api, invoice) == ("partial", D("65.00"), D("25.00"))


def _signed(payload: bytes, secret: str) -> str:
    """The Stripe-Signature header as Stripe makes it (the stripe package's own signer)."""
    return stripe.WebhookSignature.generate_signature_header(payload.decode(), secret)


async def test_a_forged_notification_changes_nothing_and_a_stripe_signed_one_records_once(
    api: ApiClient, served: str, localstripe: str
) -> None:
    path = await _use_stripe(api, localstripe, served, "whsec_forged0001")
    invoice = await invoice_of(api, "30.00")
    link = await create_link(api, document_id=invoice["id"])
    async with httpx.AsyncClient(base_url=served) as browser:
        page = await browser.post(f"/pay/{token_of(link)}", data={"installments": "1"})
        intent_id, _ = _intent_of(page.text)
        event = {
            "id": "evt_forged",
            "object": "event",
            "type": "payment_intent.succeeded",
            "created": int(time.time()),
            "data": {
                "object": {
                    "id": intent_id,
                    "object": "payment_intent",
                    "amount": 3000,
                    "currency": invoice["currency"].lower(),
                    "metadata": {},
                }
            },
        }
        body = json.dumps(event).encode()
        json_type = {"Content-Type": "application/json"}
        forged = await browser.post(
            path,
            content=body,
            headers={**json_type, "Stripe-Signature": _signed(body, "whsec_other")},
        )
        unsigned = await browser.post(path, content=body, headers=json_type)
        unknown = {**event, "id": "evt_unknown"}
        unknown["data"] = {"object": {**event["data"]["object"], "id": "pi_unknown"}}  # type: ignore[index]
        unknown_body = json.dumps(unknown).encode()
        not_ours = await browser.post(
            path,
            content=unknown_body,
            headers={**json_type, "Stripe-Signature": _signed(unknown_body, "whsec_forged0001")},
        )

        assert (forged.status_code, unsigned.status_code, not_ours.status_code) == (400, 400, 409)
        assert exact(await api.get("/v1/payments"))["data"] == []
        assert await status_of(api, invoice) == ("pending", D("0.00"), D("30.00"))

        signed = {**json_type, "Stripe-Signature": _signed(body, "whsec_forged0001")}
        genuine = await browser.post(path, content=body, headers=signed)
        repeat = await browser.post(path, content=body, headers=signed)

    assert (genuine.text, repeat.text) == ("succeeded", "duplicate")
    payments = exact(await api.get("/v1/payments"))["data"]
    assert [p["external_payment_id"] for p in payments] == [f"stripe:{intent_id}"]
    assert await status_of(api, invoice) == ("paid", D("30.00"), D("0.00"))


async def test_keys_must_be_of_the_keys_mode_and_secrets_are_never_shown(
    api: ApiClient, localstripe: str
) -> None:
    live = await api.put(
        "/v1/account/payment_providers/stripe",
        json={"secret_key": "sk_live_abcdef12", "publishable_key": "pk_live_abcdef12"},
    )
    error = assert_error(live, 422, "validation_error")
    assert error["details"] == [
        {"field": "secret_key", "message": "a test-mode key is needed in test mode"}
    ]
    set_up = await api.put(
        "/v1/account/payment_providers/stripe",
        json={
            "secret_key": SECRET_KEY,
            "publishable_key": PUBLISHABLE_KEY,
            "webhook_secret": "whsec_hidden01",
        },
    )
    shown = set_up.json()
    assert (shown["secret_key_last4"], shown["webhook_secret_set"]) == ("0000", True)
    assert SECRET_KEY not in set_up.text
    assert "whsec_hidden01" not in set_up.text
    listed = (await api.get("/v1/account/payment_providers")).json()["data"]
    assert [p["provider"] for p in listed] == ["stripe"]
    removed = await api.delete("/v1/account/payment_providers/stripe")
    assert removed.json() == {"object": "payment_provider", "provider": "stripe", "deleted": True}
    invoice = await invoice_of(api, "10.00")
    assert (await create_link(api, document_id=invoice["id"]))["provider"] == "test"
    assert_error(await api.delete("/v1/account/payment_providers/stripe"), 404, "not_found")
