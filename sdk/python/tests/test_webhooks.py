"""Webhook verification: signatures, tampering, secrets, time — and a real delivery."""

from __future__ import annotations

import base64
import time
from decimal import Decimal

import pytest

from faktura_sdk import (
    Faktura,
    Webhook,
    WebhookVerificationError,
    construct_event,
    event_object,
    models,
)
from faktura_sdk.webhooks import sign
from tests.receiver import Receiver
from tests.server import Credentials, FakturaServer

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
OTHER = "whsec_" + base64.b64encode(b"o" * 32).decode()
NOW = 1_795_435_200
BODY = (  # as the server writes it: amounts are exact JSON numbers
    b'{"id":"01936f4e-8c1a-7d2b-9f00-3c5e1a2b4c6d","object":"event","type":"invoice.paid",'
    b'"object_type":"invoice","object_id":"01936f4e-8c1a-7d2b-9f00-3c5e1a2b4c6e",'
    b'"data":{"object":{"total":412.88,"amount_due":0.00}},"livemode":false,'
    b'"request_id":"req_1","created_at":"2026-11-23T18:00:00.123456Z"}'
)


def headers(body: bytes = BODY, secret: str = SECRET, at: int = NOW) -> dict[str, str]:
    return {
        "webhook-id": "01936f4e-8c1a-7d2b-9f00-3c5e1a2b4c6d",
        "webhook-timestamp": str(at),
        "webhook-signature": sign(secret, "01936f4e-8c1a-7d2b-9f00-3c5e1a2b4c6d", at, body),
    }


def test_a_valid_delivery_is_the_typed_event_with_exact_amounts() -> None:
    event = Webhook(SECRET).verify(BODY, headers(), now=NOW + 10)
    assert isinstance(event, models.Event)
    assert event.type == models.EventType.INVOICE_PAID
    assert event.data["object"]["total"] == Decimal("412.88")
    assert str(event.data["object"]["amount_due"]) == "0.00"


def test_headers_are_matched_whatever_their_case() -> None:
    upper = {key.upper(): value for key, value in headers().items()}
    assert construct_event(BODY, upper, SECRET, now=NOW).id == headers()["webhook-id"]


def test_a_tampered_body_is_refused() -> None:
    tampered = BODY.replace(b"412.88", b"0.01")
    with pytest.raises(WebhookVerificationError, match="signature"):
        Webhook(SECRET).verify(tampered, headers(), now=NOW)


def test_another_secret_is_refused_and_either_secret_of_a_rotation_is_accepted() -> None:
    with pytest.raises(WebhookVerificationError, match="signature"):
        Webhook(OTHER).verify(BODY, headers(), now=NOW)
    both = headers()
    both["webhook-signature"] = (
        f"{sign(OTHER, both['webhook-id'], NOW, BODY)} " + (both["webhook-signature"])
    )
    assert Webhook(SECRET).verify(BODY, both, now=NOW).type == "invoice.paid"
    assert Webhook([OTHER]).verify(BODY, both, now=NOW).type == "invoice.paid"


@pytest.mark.parametrize("offset", [-301, 301, -3600])
def test_a_timestamp_outside_five_minutes_is_refused(offset: int) -> None:
    with pytest.raises(WebhookVerificationError, match="tolerance"):
        Webhook(SECRET).verify(BODY, headers(at=NOW + offset), now=NOW)


def test_within_five_minutes_either_way_is_accepted() -> None:
    for offset in (-300, 300):
        Webhook(SECRET).verify(BODY, headers(at=NOW + offset), now=NOW)


def test_missing_headers_and_malformed_secrets_are_refused() -> None:
    partial = headers()
    del partial["webhook-signature"]
    with pytest.raises(WebhookVerificationError, match="Missing"):
        Webhook(SECRET).verify(BODY, partial, now=NOW)
    with pytest.raises(WebhookVerificationError, match="base64"):
        Webhook("whsec_not base64!")


def test_a_real_delivery_from_the_server_verifies(
    server: FakturaServer, account: Credentials
) -> None:
    with Receiver() as receiver, Faktura(account.api_key, server.base_url) as client:
        endpoint = client.webhook_endpoints.create(url=receiver.url, events=["invoice.created"])
        try:
            customer = client.customers.create(
                company_name="Hook Ltd",
                contacts=[{"contact_name": "Hook", "email": "hook@example.com"}],
            )
            invoice = client.invoices.create(
                customer_id=customer.id,
                line_items=[
                    {
                        "description": "Stamp",
                        "quantity": 3,
                        "unit_price": Decimal("0.10"),
                        "vat_type": "exempt",
                        "vat_exemption_reason": "Postage stamps",
                    }
                ],
            )
            delivery = receiver.next()
        finally:
            client.webhook_endpoints.delete(endpoint.id)

        event = Webhook(endpoint.secret).verify(delivery.body, delivery.headers)
        assert event.type == models.EventType.INVOICE_CREATED
        assert event.object_id == invoice.id
        assert event.data["object"]["total"] == Decimal("0.30")
        document = event_object(event)
        assert isinstance(document, models.Document)
        assert document.id == invoice.id
        assert document.total == Decimal("0.30")
        assert client.events.retrieve(event.id).data == event.data  # the body is the event
        with pytest.raises(WebhookVerificationError):
            Webhook(OTHER).verify(delivery.body, delivery.headers)
        assert abs(int(delivery.headers["webhook-timestamp"]) - time.time()) < 300


def test_the_object_of_an_event_is_its_model_when_the_sdk_knows_its_type() -> None:
    event = Webhook(SECRET).verify(BODY, headers(), now=NOW)
    assert event_object(event) == {"total": Decimal("412.88"), "amount_due": Decimal("0.00")}
    # ↑ invoice.paid names a Document, and this object is not one: kept as it came

    newer = event.model_copy(update={"type": "invoice.teleported"})
    assert isinstance(event_object(newer), dict)
    test = event.model_copy(update={"type": "webhook.test", "data": {}})
    assert event_object(test) is None
    assert models.EVENT_OBJECTS["payment.created"] is models.Payment
