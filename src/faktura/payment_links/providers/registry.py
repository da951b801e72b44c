"""The providers Faktura knows, by name, and how each is made for an account."""

from faktura.config import Settings
from faktura.core import secrets
from faktura.core.clock import utcnow
from faktura.payment_links.models import ProviderAccount
from faktura.payment_links.providers import Provider
from faktura.payment_links.providers.stripe import StripeProvider
from faktura.payment_links.providers.test import TestProvider

TEST = "test"
STRIPE = "stripe"
NAMES = (TEST, STRIPE)
# Providers an account configures with its own credentials (PUT /v1/account/payment_providers).
CONFIGURED = (STRIPE,)
# Each provider's step on the hosted page's form (payment_links/templates/providers/).
PROVIDER_FORMS = {TEST: "providers/test_card.html", STRIPE: "providers/stripe_choose.html"}


def test_provider(settings: Settings) -> TestProvider:
    return TestProvider(secrets.derived_key(settings, "payment-provider:test"), utcnow().date())


def configured_provider(settings: Settings, account: ProviderAccount) -> Provider:
    """The provider of an account's stored credentials (decrypted here, used, not kept)."""
    if account.provider == STRIPE:
        webhook_secret = account.webhook_secret_encrypted
        return StripeProvider(
            secrets.decrypt(settings, account.secret_key_encrypted),
            publishable_key=account.publishable_key,
            webhook_secret=None
            if webhook_secret is None
            else secrets.decrypt(settings, webhook_secret),
            api_base_url=account.api_base_url,
        )
    raise LookupError(f"unknown payment provider {account.provider!r}")
