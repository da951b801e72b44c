"""`stripe`: card payments through Stripe, with the account's own keys (test keys for test-mode
links, live keys for live-mode links).

A payment is a PaymentIntent made when the payer chooses to pay (idempotency key: Faktura's
attempt id, so a retried start makes no second one); the card is entered in Stripe's own
Elements on the page (Stripe.js), never seen by Faktura; the outcome arrives as Stripe webhooks
(`payment_intent.succeeded`, `payment_intent.payment_failed`, `payment_intent.processing`,
`charge.refunded`) verified with Stripe's signature scheme, and the page's return asks Stripe
where the PaymentIntent stands.
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast

import stripe as stripe_sdk

from faktura.core.money import currency_exponent
from faktura.payment_links.notifications import Notification, NotificationType
from faktura.payment_links.providers import BadNotification, Charge, ProviderError, Started

STRIPE_JS = "https://js.stripe.com/v3/"
_EVENTS: dict[str, NotificationType] = {
    "payment_intent.succeeded": "succeeded",
    "payment_intent.payment_failed": "failed",
    "payment_intent.processing": "pending",
    "charge.refunded": "refunded",
}
_STATES: dict[str, NotificationType] = {
    "succeeded": "succeeded",
    "processing": "pending",
    "requires_payment_method": "pending",
    "requires_confirmation": "pending",
    "requires_action": "pending",
    "canceled": "failed",
}


def to_minor(amount: Decimal, currency: str) -> int:
    return int(amount.scaleb(currency_exponent(currency)))


def from_minor(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-currency_exponent(currency.upper()))


def _notification(event_id: str, kind: NotificationType, found: dict[str, Any]) -> Notification:
    """A verified Stripe event about a PaymentIntent (or, refunded, its charge)."""
    currency = str(found["currency"])
    if kind == "refunded":
        return Notification(
            provider_event_id=event_id,
            provider_payment_id=str(found["payment_intent"]),
            type="refunded",
            amount_refunded=from_minor(int(found["amount_refunded"]), currency),
        )
    error = found.get("last_payment_error") or {}
    metadata = found.get("metadata") or {}
    return Notification(
        provider_event_id=event_id,
        provider_payment_id=str(found["id"]),
        type=kind,
        amount=from_minor(int(found["amount"]), currency),
        installments=int(metadata.get("installments", 1)),
        failure_code=error.get("code") if kind == "failed" else None,
        failure_message=error.get("message") if kind == "failed" else None,
    )


class StripeProvider:
    name = "stripe"
    answers_at_once = False

    def __init__(
        self,
        secret_key: str,
        *,
        publishable_key: str | None,
        webhook_secret: str | None,
        api_base_url: str | None = None,
    ):
        self.livemode = secret_key.startswith(("sk_live_", "rk_live_"))
        self.publishable_key = publishable_key
        self.webhook_secret = webhook_secret
        self.api_base_url = api_base_url
        options: dict[str, Any] = {"http_client": stripe_sdk.HTTPXClient(allow_sync_methods=True)}
        if api_base_url:
            options["base_addresses"] = {"api": api_base_url.rstrip("/")}
        self.client = stripe_sdk.StripeClient(secret_key, **options)

    @property
    def js_url(self) -> str:
        """Stripe.js, or the mock server's copy of it when the API is overridden."""
        if self.api_base_url:
            return f"{self.api_base_url.rstrip('/')}/js.stripe.com/v3/"
        return STRIPE_JS

    @property
    def content_security(self) -> Mapping[str, str]:
        api = self.api_base_url.rstrip("/") if self.api_base_url else "https://api.stripe.com"
        scripts = self.api_base_url.rstrip("/") if self.api_base_url else "https://js.stripe.com"
        return {
            "script-src": f"'self' {scripts}",
            "frame-src": "https://js.stripe.com https://hooks.stripe.com",
            "connect-src": api,
        }

    async def start(self, charge: Charge) -> Started:
        try:
            intent = await self.client.v1.payment_intents.create_async(
                params=cast(
                    Any,
                    {
                        "amount": to_minor(charge.amount, charge.currency),
                        "currency": charge.currency.lower(),
                        "payment_method_types": ["card"],
                        # The invoice goes in metadata (Stripe's dashboard shows it), not in
                        # `description`, which localstripe refuses.
                        "metadata": {
                            "faktura_invoice": charge.description,
                            "faktura_link_id": charge.link_id,
                            "faktura_attempt_id": charge.attempt_id,
                            "installments": str(charge.installments),
                        },
                    },
                ),
                options={"idempotency_key": f"faktura-attempt-{charge.attempt_id}"},
            )
        except stripe_sdk.StripeError as exc:
            raise ProviderError(
                "The payment could not be started. Please try again.", "provider_error"
            ) from exc
        return Started(intent.id, data={"client_secret": str(intent.client_secret)})

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> Notification | None:
        if not self.webhook_secret:
            raise BadNotification("no webhook signing secret is configured for this account")
        try:
            event = stripe_sdk.Webhook.construct_event(
                body, headers.get("stripe-signature", ""), self.webhook_secret
            )
        except (ValueError, stripe_sdk.SignatureVerificationError) as exc:
            raise BadNotification(f"signature does not verify: {exc}") from exc
        kind = _EVENTS.get(event.type)
        if kind is None:
            return None
        try:
            return _notification(event.id, kind, event.data.object.to_dict())
        except (KeyError, TypeError, ValueError) as exc:
            raise BadNotification(f"unreadable {event.type}: {exc}") from exc

    async def refund(
        self, provider_payment_id: str, amount: Decimal, currency: str, *, idempotency_key: str
    ) -> None:
        await self.client.v1.refunds.create_async(
            params={"payment_intent": provider_payment_id, "amount": to_minor(amount, currency)},
            options={"idempotency_key": f"faktura-refund-{idempotency_key}"},
        )

    async def state_of(self, provider_payment_id: str, data: Mapping[str, str]) -> Notification:
        found = (await self.client.v1.payment_intents.retrieve_async(provider_payment_id)).to_dict()
        error = found.get("last_payment_error") or {}
        status = str(found["status"])
        kind = _STATES.get(status, "pending")
        if status == "requires_payment_method" and error:
            kind = "failed"  # the last try was declined; the payer may try again
        charge = found.get("latest_charge")
        charge_id = charge.get("id") if isinstance(charge, dict) else charge
        return Notification(
            provider_event_id=f"state:{found['id']}:{status}:{charge_id}",
            provider_payment_id=str(found["id"]),
            type=kind,
            amount=from_minor(int(found["amount"]), str(found["currency"])),
            failure_code=error.get("code"),
            failure_message=error.get("message"),
        )
