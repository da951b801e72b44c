"""Payment providers behind one interface. A provider is one module here that defines a
`Provider` and is listed in PROVIDERS; docs/payments.md says how to add one (an Israeli
acquirer such as Cardcom, PayPlus or Tranzila, or Viva Wallet)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from faktura.payment_links.notifications import Notification


class ProviderError(Exception):
    """The provider refused or could not be reached; `message` is safe to show the payer."""

    def __init__(self, message: str, code: str = "provider_error"):
        super().__init__(message)
        self.message = message
        self.code = code


class BadNotification(Exception):
    """A notification whose signature does not verify, or that cannot be read."""


@dataclass(frozen=True)
class Charge:
    """What the page asks a provider to take: for one link, in major units."""

    link_id: str
    attempt_id: str
    amount: Decimal
    currency: str
    installments: int
    description: str
    # The fields the provider's form on the hosted page posted (a test card, say).
    form: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Started:
    """A payment started at the provider: its id there, and either the outcome the provider
    gave at once (`notification`, applied like any other notification) or where to send the
    payer to finish (`redirect_url`), the outcome following by notification."""

    provider_payment_id: str
    notification: Notification | None = None
    redirect_url: str | None = None
    data: Mapping[str, str] = field(default_factory=dict)


class Provider(Protocol):
    name: str
    # Whether the provider moves real money: a live provider serves live-mode links only, a
    # test one test-mode links only.
    livemode: bool
    # Whether `start` answers with the outcome without network I/O (the built-in test
    # provider): then it runs in the transaction that holds the link. Otherwise it runs
    # between two transactions, and the outcome comes by notification.
    answers_at_once: bool

    @property
    def content_security(self) -> Mapping[str, str]:
        """What the page's Content-Security-Policy must allow for the provider's step."""
        ...

    async def start(self, charge: Charge) -> Started:
        """Start (or, for a provider that answers at once, make) the payment."""
        ...

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> Notification | None:
        """Verify a notification's signature and read it (None: of no concern to Faktura);
        BadNotification when it does not verify."""
        ...

    async def refund(
        self, provider_payment_id: str, amount: Decimal, currency: str, *, idempotency_key: str
    ) -> None:
        """Refund `amount` of a payment at the provider."""
        ...

    async def state_of(self, provider_payment_id: str, data: Mapping[str, str]) -> Notification:
        """Ask the provider where a payment stands, as a notification of its current state."""
        ...
