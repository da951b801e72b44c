"""The providers Faktura knows, by name."""

from faktura.config import Settings
from faktura.core.clock import utcnow
from faktura.core.secrets import derived_key
from faktura.payment_links.providers import Provider
from faktura.payment_links.providers.test import TestProvider

TEST = "test"
NAMES = (TEST,)
# Each provider's step of the hosted page (payment_links/templates/).
PROVIDER_FORMS = {TEST: "providers/test_card.html"}


def provider_named(name: str, settings: Settings) -> Provider:
    if name == TEST:
        return TestProvider(derived_key(settings, "payment-provider:test"), utcnow().date())
    raise LookupError(f"unknown payment provider {name!r}")


def provider_for_mode(livemode: bool) -> str | None:
    """The provider a new link of this mode is paid through; None when the mode has none
    (live mode until a live provider is configured)."""
    return None if livemode else TEST
