"""Request and response shapes of payment links."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StrictBool

from faktura.api.schemas import DecimalOut, InputModel, OutputModel
from faktura.core.money import display_amount
from faktura.core.types import PositiveAmount, named
from faktura.customers.schemas import MAX_METADATA_KEYS, MetadataKey, MetadataValue
from faktura.payment_links.models import PaymentLink as PaymentLinkRow
from faktura.payment_links.models import ProviderAccount

LinkStatus = Annotated[
    Literal["active", "completed", "expired", "deactivated"],
    named("PaymentLinkStatus", "Where a payment link is in its life"),
]
LINK_STATUSES: tuple[LinkStatus, ...] = ("active", "completed", "expired", "deactivated")
DEFAULT_EXPIRY_HOURS = 72
MAX_EXPIRY_HOURS = 8760
MAX_INSTALLMENTS = 36


class PaymentLinkCreate(InputModel):
    document_id: uuid.UUID = Field(
        description="The invoice to pay: issued, with money due, not paid, cancelled or in dispute"
    )
    amount: PositiveAmount | None = Field(
        None,
        description="What the link asks for, at most the invoice's amount due; the amount due "
        "when omitted",
    )
    expiry_hours: int = Field(
        DEFAULT_EXPIRY_HOURS,
        ge=1,
        le=MAX_EXPIRY_HOURS,
        strict=True,
        description=f"Hours until the link expires (1–{MAX_EXPIRY_HOURS})",
    )
    installments: int = Field(
        1,
        ge=1,
        le=MAX_INSTALLMENTS,
        strict=True,
        description=f"The most card installments the payer may choose (1–{MAX_INSTALLMENTS})",
    )
    single_use: StrictBool = Field(
        True,
        description="Completed by its first payment; false: usable until the invoice is paid "
        "or the link expires",
    )
    metadata: dict[MetadataKey, MetadataValue] = Field(
        default_factory=dict,
        max_length=MAX_METADATA_KEYS,
        description="Your own key-value pairs",
    )


class PaymentLink(OutputModel):
    id: uuid.UUID = Field(description="Payment link id")
    object: Literal["payment_link"] = "payment_link"
    url: str = Field(
        description="The hosted payment page, FAKTURA_PUBLIC_URL/pay/<token>; the token holds "
        "256 random bits"
    )
    status: LinkStatus = Field(
        description="active; completed (paid: single-use, or the invoice paid in full); "
        "expired (past expires_at); deactivated"
    )
    document_id: uuid.UUID = Field(description="The invoice it pays")
    amount: DecimalOut = Field(description="What it asks for")
    currency: str = Field(description="ISO 4217, the invoice's")
    installments: int = Field(description="The most card installments the payer may choose")
    single_use: bool = Field(description="Completed by its first payment")
    provider: str = Field(
        description="The payment provider that takes the money: test (built in, test mode) or "
        "stripe (the account's own keys)"
    )
    expires_at: datetime = Field(description="When it stops taking payments (UTC)")
    completed_at: datetime | None = Field(description="When it was completed (UTC)")
    deactivated_at: datetime | None = Field(description="When it was deactivated (UTC)")
    payment_id: uuid.UUID | None = Field(description="The first payment made through it")
    metadata: dict[str, str] = Field(description="Your own key-value pairs")
    livemode: bool = Field(description="Live or test mode")
    created_at: datetime = Field(description="Created (UTC)")
    updated_at: datetime = Field(description="Last change (UTC)")


def link_status(link: PaymentLinkRow, now: datetime) -> LinkStatus:
    if link.status == "active" and now >= link.expires_at:
        return "expired"
    status: LinkStatus = link.status  # type: ignore[assignment]
    return status


def link_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/pay/{token}"


def link_out(link: PaymentLinkRow, public_url: str, now: datetime) -> PaymentLink:
    return PaymentLink(
        id=link.id,
        url=link_url(public_url, link.token),
        status=link_status(link, now),
        document_id=link.document_id,
        amount=display_amount(link.amount, link.currency),
        currency=link.currency,
        installments=link.installments,
        single_use=link.single_use,
        provider=link.provider,
        expires_at=link.expires_at,
        completed_at=link.completed_at,
        deactivated_at=link.deactivated_at,
        payment_id=link.payment_id,
        metadata=dict(link.link_metadata),
        livemode=link.livemode,
        created_at=link.created_at,
        updated_at=link.updated_at,
    )


class StripeAccountIn(InputModel):
    secret_key: str = Field(
        min_length=8,
        max_length=255,
        pattern=r"^(sk|rk)_(test|live)_[A-Za-z0-9]+$",
        description="The Stripe secret (or restricted) key of this mode: sk_test_… for test "
        "mode, sk_live_… for live mode. Write-only: stored encrypted, never shown again",
    )
    publishable_key: str = Field(
        min_length=8,
        max_length=255,
        pattern=r"^pk_(test|live)_[A-Za-z0-9]+$",
        description="The publishable key of the same mode, for Stripe.js on the hosted page",
    )
    webhook_secret: str | None = Field(
        None,
        min_length=8,
        max_length=255,
        pattern=r"^whsec_[A-Za-z0-9]+$",
        description="The signing secret of the Stripe webhook endpoint you point at "
        "`webhook_url`. Write-only. Without it notifications are refused and payments are "
        "learnt only when the payer returns or the pending check runs",
    )
    api_base_url: str | None = Field(
        None,
        max_length=500,
        pattern=r"^https?://",
        description="Reach Stripe's API here instead (a mock such as localstripe, for tests)",
    )


class ProviderAccountOut(OutputModel):
    object: Literal["payment_provider"] = "payment_provider"
    provider: str = Field(description="stripe")
    livemode: bool = Field(description="The mode whose links it takes payments for")
    publishable_key: str | None = Field(description="The publishable key")
    secret_key_last4: str = Field(description="The last four characters of the secret key")
    webhook_secret_set: bool = Field(description="Whether notifications can be verified")
    webhook_url: str = Field(
        description="Give this URL to the provider as its webhook endpoint (events: "
        "payment_intent.succeeded, payment_intent.payment_failed, payment_intent.processing, "
        "charge.refunded)"
    )
    api_base_url: str | None = Field(description="Where the provider's API is reached instead")
    created_at: datetime = Field(description="Created (UTC)")
    updated_at: datetime = Field(description="Last change (UTC)")


def provider_account_out(account: ProviderAccount, public_url: str) -> ProviderAccountOut:
    return ProviderAccountOut(
        provider=account.provider,
        livemode=account.livemode,
        publishable_key=account.publishable_key,
        secret_key_last4=account.secret_key_last4,
        webhook_secret_set=account.webhook_secret_encrypted is not None,
        webhook_url=f"{public_url.rstrip('/')}/providers/{account.provider}/notifications/"
        f"{account.id}",
        api_base_url=account.api_base_url,
        created_at=account.created_at,
        updated_at=account.updated_at,
    )


class ProviderAccountDeleted(OutputModel):
    object: Literal["payment_provider"] = "payment_provider"
    provider: str = Field(description="The provider removed")
    deleted: Literal[True] = Field(True, description="Always true")


class ProviderAccountList(OutputModel):
    object: Literal["list"] = "list"
    data: list[ProviderAccountOut] = Field(description="The providers of this mode, by name")
