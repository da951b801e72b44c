"""Request and response shapes of payments and refunds."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field, StrictBool, model_validator

from faktura.api.schemas import DecimalOut, InputModel, OutputModel
from faktura.core.money import display_amount
from faktura.core.types import (
    CurrencyCode,
    IsoDate,
    MultilineText,
    PositiveAmount,
    Text,
    field_error,
)
from faktura.payments.models import Payment as PaymentRow

BUILT_IN_METHODS = ("ach", "check", "wire", "card", "cash", "bit", "other")


class AllocationIn(InputModel):
    invoice_id: uuid.UUID = Field(description="Invoice to apply money to")
    amount: PositiveAmount = Field(
        description="Amount applied, > 0, at most the invoice's amount_due"
    )


class PaymentCreate(InputModel):
    amount: PositiveAmount = Field(
        description="Amount received, > 0, in major units (`200.00` is two hundred), with at "
        "most the currency's decimals; what the invoices named do not take stays on the payment "
        "as `unapplied_amount`"
    )
    currency: CurrencyCode | None = Field(
        None, description="ISO 4217; the invoice's or customer's currency if omitted"
    )
    payment_date: IsoDate = Field(description="When the money was received")
    payment_method: Text = Field(
        "other",
        min_length=1,
        max_length=64,
        description=f"One of {', '.join(BUILT_IN_METHODS)}, or the id or name of one of the "
        "account's payment_methods",
    )
    payer_name: Text | None = Field(None, max_length=200, description="Who paid")
    payer_reference: Text | None = Field(
        None, max_length=200, description="Bank reference, check number…"
    )
    external_payment_id: Text | None = Field(
        None,
        min_length=1,
        max_length=255,
        description="Your id of the payment, unique per account; generated when omitted",
    )
    customer_id: uuid.UUID | None = Field(
        None, description="Payer; taken from the invoices when omitted"
    )
    notes: MultilineText | None = Field(None, max_length=5000, description="Notes")
    invoice_id: uuid.UUID | None = Field(
        None, description="Apply the payment (up to its amount) to this one invoice"
    )
    allocations: list[AllocationIn] | None = Field(
        None, max_length=100, description="Apply parts of the payment to several invoices"
    )
    reviewed: StrictBool = Field(False, description="Whether someone has checked this payment")
    installments: int | None = Field(
        None,
        ge=1,
        le=36,
        strict=True,
        description="A card payment the acquirer splits into this many installments (its "
        "split, not a Faktura payment plan)",
    )

    @model_validator(mode="after")
    def _one_way_to_allocate(self) -> "PaymentCreate":
        if self.invoice_id is not None and self.allocations is not None:
            raise field_error("allocations", "give invoice_id or allocations, not both")
        return self


class PaymentUpdate(InputModel):
    invoice_id: uuid.UUID | None = Field(
        None,
        description="Match the payment to this invoice; null unmatches it (reversing "
        "its allocations)",
    )
    payer_name: Text | None = Field(None, max_length=200, description="Who paid")
    payer_reference: Text | None = Field(None, max_length=200, description="Bank reference")
    reviewed: StrictBool | None = Field(None, description="Whether someone has checked it")
    notes: MultilineText | None = Field(None, max_length=5000, description="Notes")
    allocations: list[AllocationIn] | None = Field(
        None, max_length=100, description="Apply more of the unapplied amount to invoices"
    )


class RefundCreate(InputModel):
    amount: PositiveAmount | None = Field(
        None, description="Amount to refund; all that is refundable when omitted"
    )
    reason: MultilineText | None = Field(None, max_length=1000, description="Why")
    invoice_id: uuid.UUID | None = Field(
        None,
        description="Take the refund back from this invoice's allocation; otherwise "
        "unapplied money first, then allocations latest first",
    )


class Allocation(OutputModel):
    invoice_id: uuid.UUID = Field(description="Invoice")
    amount: DecimalOut = Field(description="Amount applied to it now")


class Refund(OutputModel):
    id: uuid.UUID = Field(description="Refund id")
    amount: DecimalOut = Field(description="Amount refunded")
    reason: str | None = Field(description="Why")
    reversed_allocations: list[Allocation] = Field(description="What each invoice gave back")
    created_at: datetime = Field(description="When (UTC)")


class Payment(OutputModel):
    id: uuid.UUID = Field(description="Payment id")
    object: Literal["payment"] = "payment"
    amount: DecimalOut = Field(description="Amount received")
    currency: str = Field(description="ISO 4217")
    payment_date: date = Field(description="When the money was received")
    payment_method: str = Field(description="How it was paid")
    payer_name: str | None = Field(description="Who paid")
    payer_reference: str | None = Field(description="Bank reference, check number…")
    external_payment_id: str = Field(description="Your id of the payment")
    customer_id: uuid.UUID | None = Field(description="Payer")
    notes: str | None = Field(description="Notes")
    status: str = Field(description="succeeded, partially_refunded or refunded")
    matched: bool = Field(description="Applied to at least one invoice")
    reviewed: bool = Field(description="Checked by someone")
    allocations: list[Allocation] = Field(description="Invoices it is applied to")
    unapplied_amount: DecimalOut = Field(description="Customer credit not yet applied")
    amount_refunded: DecimalOut = Field(description="Refunded so far")
    refunds: list[Refund] = Field(description="Refunds, oldest first")
    receipt_id: uuid.UUID | None = Field(description="Receipt issued for it, if any")
    installments: int | None = Field(
        description="Card installments the acquirer splits it into; null when not split"
    )
    livemode: bool = Field(description="Live or test mode")
    created_at: datetime = Field(description="Recorded (UTC)")
    updated_at: datetime = Field(description="Last change (UTC)")


def payment_out(payment: PaymentRow) -> Payment:
    def money(value: Decimal) -> Decimal:
        return display_amount(value, payment.currency)

    live = [a for a in payment.allocations if a.amount > 0]
    return Payment(
        id=payment.id,
        amount=money(payment.amount),
        currency=payment.currency,
        payment_date=payment.payment_date,
        payment_method=payment.payment_method,
        payer_name=payment.payer_name,
        payer_reference=payment.payer_reference,
        external_payment_id=payment.external_payment_id,
        customer_id=payment.customer_id,
        notes=payment.notes,
        status=payment.status,
        matched=bool(live),
        reviewed=payment.reviewed,
        allocations=[Allocation(invoice_id=a.invoice_id, amount=money(a.amount)) for a in live],
        unapplied_amount=money(payment.unapplied_amount),
        amount_refunded=money(payment.amount_refunded),
        refunds=[
            Refund(
                id=r.id,
                amount=money(r.amount),
                reason=r.reason,
                created_at=r.created_at,
                reversed_allocations=[
                    Allocation(
                        invoice_id=uuid.UUID(str(x["invoice_id"])),
                        amount=money(Decimal(str(x["amount"]))),
                    )
                    for x in r.reversed_allocations
                ],
            )
            for r in payment.refunds
        ],
        receipt_id=payment.receipt_id,
        installments=payment.installments,
        livemode=payment.livemode,
        created_at=payment.created_at,
        updated_at=payment.updated_at,
    )
