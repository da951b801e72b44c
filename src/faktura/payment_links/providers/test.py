"""The built-in `test` provider: test-mode links only, no money moves. The page shows a card
form; Stripe's test card numbers behave as they do at Stripe, so a flow tried here behaves the
same against Stripe's test mode.

It answers at once (no network), so its outcome is applied in the same transaction that
starts the payment, under the link's lock.
"""

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from faktura.payment_links.notifications import Notification
from faktura.payment_links.providers import BadNotification, Charge, ProviderError, Started

# Number → (outcome, decline code, what the payer is told), as at Stripe.
_CARDS: dict[str, tuple[str, str | None, str | None]] = {
    "4242424242424242": ("succeeded", None, None),
    "4000056655665556": ("succeeded", None, None),
    "5555555555554444": ("succeeded", None, None),
    "378282246310005": ("succeeded", None, None),
    # Needs the payer's authentication at the bank: pending, then succeeds.
    "4000002500003155": ("pending", None, None),
    "4000000000000002": ("failed", "card_declined", "Your card was declined."),
    "4000000000009995": (
        "failed",
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
    "4000000000009987": ("failed", "lost_card", "Your card was declined."),
    "4000000000000069": ("failed", "expired_card", "Your card has expired."),
    "4000000000000127": ("failed", "incorrect_cvc", "Your card's security code is incorrect."),
}
_NOT_A_TEST_CARD = (
    "failed",
    "card_declined",
    "Your card was declined: in test mode, use a test card such as 4242 4242 4242 4242.",
)
SIGNATURE_HEADER = "faktura-test-signature"


def _luhn(number: str) -> bool:
    total = 0
    for index, digit in enumerate(reversed(number)):
        value = int(digit)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _checked_expiry(text: str, today: date) -> None:
    month, _, year = text.replace(" ", "").partition("/")
    if not (month.isdigit() and year.isdigit() and 1 <= int(month) <= 12 and len(year) in (2, 4)):
        raise ProviderError("Your card's expiration date is incomplete.", "incomplete_expiry")
    full_year = int(year) + (2000 if len(year) == 2 else 0)
    if (full_year, int(month)) < (today.year, today.month):
        raise ProviderError("Your card's expiration date is in the past.", "invalid_expiry_year")


class TestProvider:
    name = "test"
    livemode = False
    answers_at_once = True
    content_security: Mapping[str, str] = {}

    def __init__(self, signing_key: bytes, today: date):
        self.signing_key = signing_key
        self.today = today

    async def start(self, charge: Charge) -> Started:
        number = "".join(ch for ch in charge.form.get("card_number", "") if ch.isdigit())
        if not 13 <= len(number) <= 19 or not _luhn(number):
            raise ProviderError("Your card number is incorrect.", "incorrect_number")
        _checked_expiry(charge.form.get("card_expiry", ""), self.today)
        cvc = charge.form.get("card_cvc", "").strip()
        if not (cvc.isdigit() and len(cvc) in (3, 4)):
            raise ProviderError("Your card's security code is incomplete.", "incomplete_cvc")
        outcome, code, message = _CARDS.get(number, _NOT_A_TEST_CARD)
        payment_id = f"tp_{secrets.token_hex(12)}"
        notification = Notification(
            provider_event_id=f"tpev_{secrets.token_hex(12)}",
            provider_payment_id=payment_id,
            type=outcome,  # type: ignore[arg-type]
            amount=charge.amount,
            installments=charge.installments,
            failure_code=code,
            failure_message=message,
        )
        # What the provider will answer when asked later: a pending payment ends succeeded.
        data = {"last4": number[-4:], "outcome": "failed" if outcome == "failed" else "succeeded"}
        return Started(payment_id, notification=notification, data=data)

    def sign(self, body: bytes) -> str:
        return hmac.new(self.signing_key, body, hashlib.sha256).hexdigest()

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> Notification:
        """A notification as tests (and a developer with curl) send it: JSON signed with
        HMAC-SHA256 of the installation's test-provider key in `faktura-test-signature`."""
        given = headers.get(SIGNATURE_HEADER, "")
        if not hmac.compare_digest(given, self.sign(body)):
            raise BadNotification("signature does not verify")
        try:
            fields = json.loads(body)
            refunded = fields.get("amount_refunded")
            amount = fields.get("amount")
            if fields["type"] not in ("pending", "succeeded", "failed", "refunded"):
                raise ValueError(f"unknown type {fields['type']!r}")
            return Notification(
                provider_event_id=str(fields["id"]),
                provider_payment_id=str(fields["payment_id"]),
                type=fields["type"],
                amount=None if amount is None else Decimal(str(amount)),
                installments=fields.get("installments"),
                amount_refunded=None if refunded is None else Decimal(str(refunded)),
                failure_code=fields.get("failure_code"),
                failure_message=fields.get("failure_message"),
            )
        except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
            raise BadNotification(f"unreadable notification: {exc}") from exc

    async def refund(
        self, provider_payment_id: str, amount: Decimal, currency: str, *, idempotency_key: str
    ) -> None:
        """Nothing moved, so nothing moves back: the refund is recorded in Faktura alone."""

    async def state_of(self, provider_payment_id: str, data: Mapping[str, str]) -> Notification:
        outcome = data.get("outcome", "failed")
        return Notification(
            provider_event_id=f"tpst_{secrets.token_hex(12)}",
            provider_payment_id=provider_payment_id,
            type="succeeded" if outcome == "succeeded" else "failed",
        )
