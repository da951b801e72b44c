"""What a provider's notification does to the payment it is about: one pure function, so the
rule that records each provider payment exactly once reads (and is tested) on its own.

Providers notify at least once, in any order: a success may come before the "pending" that
preceded it, a failure of an earlier attempt after the success of a later one, a refund before
the success it refunds. Whatever the order, the outcome is the same: a payment that succeeded
is recorded once, and what was refunded at the provider is refunded in Faktura, once.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

NotificationType = Literal["pending", "succeeded", "failed", "refunded"]
PaymentStatus = Literal["pending", "succeeded", "failed"]


@dataclass(frozen=True)
class Notification:
    """A provider's word about one of its payments, verified and parsed by its adapter."""

    provider_event_id: str
    provider_payment_id: str
    type: NotificationType
    # The amount the payment is for (in major units, the link's currency).
    amount: Decimal | None = None
    installments: int | None = None
    # On `refunded`: what the provider has refunded of this payment in all.
    amount_refunded: Decimal | None = None
    failure_code: str | None = None
    failure_message: str | None = None


@dataclass(frozen=True)
class PaymentState:
    status: PaymentStatus
    # Whether a Faktura payment is recorded for it.
    recorded: bool
    # The refunded total the provider has reported, and what Faktura has refunded.
    refunded_at_provider: Decimal
    refunded_in_faktura: Decimal


@dataclass(frozen=True)
class Outcome:
    state: PaymentState
    record_payment: bool
    # Refund this much more in Faktura (0: nothing to do).
    refund: Decimal


def apply(state: PaymentState, notification: Notification) -> Outcome:
    """The state after `notification`, and what to record. A success is final: no failure or
    pending after it undoes it, and it records the payment only when none is recorded."""
    status = state.status
    if notification.type == "succeeded":
        status = "succeeded"
    elif notification.type == "failed" and status == "pending":
        status = "failed"
    refunded_at_provider = state.refunded_at_provider
    if notification.type == "refunded" and notification.amount_refunded is not None:
        refunded_at_provider = max(refunded_at_provider, notification.amount_refunded)
    record = status == "succeeded" and not state.recorded
    recorded = state.recorded or record
    refund = Decimal(0)
    if recorded and refunded_at_provider > state.refunded_in_faktura:
        refund = refunded_at_provider - state.refunded_in_faktura
    return Outcome(
        PaymentState(status, recorded, refunded_at_provider, state.refunded_in_faktura + refund),
        record,
        refund,
    )
