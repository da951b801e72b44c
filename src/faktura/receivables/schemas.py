"""Request and response shapes of disputes and payment plans."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from faktura.api.schemas import DecimalOut, InputModel, OutputModel
from faktura.core.money import display_amount
from faktura.core.types import IsoDate, MultilineText, PositiveAmount, field_error
from faktura.receivables.models import Dispute as DisputeRow
from faktura.receivables.models import PaymentPlan as PaymentPlanRow


class DisputeCreate(InputModel):
    invoice_id: uuid.UUID = Field(description="The issued invoice the customer disputes")
    amount: PositiveAmount | None = Field(
        None, description="Amount disputed; the invoice's whole amount_due if omitted"
    )
    reason: MultilineText = Field(
        min_length=1, max_length=500, description="What the customer says"
    )
    notes: MultilineText | None = Field(None, max_length=5000, description="Internal notes")


class DisputeResolve(InputModel):
    outcome: Literal["upheld", "rejected"] = Field(
        description="upheld: a credit note for the disputed amount is issued; rejected: the "
        "invoice is owed as it was"
    )
    notes: MultilineText | None = Field(None, max_length=5000, description="Internal notes")


class Dispute(OutputModel):
    id: uuid.UUID = Field(description="Dispute id")
    object: Literal["dispute"] = "dispute"
    invoice_id: uuid.UUID = Field(description="Disputed invoice")
    amount: DecimalOut = Field(description="Amount disputed")
    reason: str = Field(description="What the customer says")
    notes: str | None = Field(description="Internal notes")
    status: str = Field(description="open, upheld or rejected")
    credit_note_id: uuid.UUID | None = Field(description="Credit note issued when upheld")
    resolved_at: datetime | None = Field(description="When it was resolved")
    livemode: bool = Field(description="Live or test mode")
    created_at: datetime = Field(description="Opened (UTC)")
    updated_at: datetime = Field(description="Last change (UTC)")


class InstallmentIn(InputModel):
    due_date: IsoDate = Field(description="When this installment is due")
    amount: PositiveAmount = Field(description="Amount of the installment, > 0")


class PaymentPlanCreate(InputModel):
    invoice_id: uuid.UUID = Field(description="The issued invoice to pay in installments")
    installments: list[InstallmentIn] | None = Field(
        None,
        min_length=1,
        max_length=120,
        description="Installments summing exactly to the invoice's amount_due, in date order",
    )
    count: int | None = Field(
        None, ge=1, le=120, description="Or: this many equal installments (remainder on the last)"
    )
    interval: Literal["week", "month"] | None = Field(
        None, description="With count: time between installments"
    )
    first_due_date: IsoDate | None = Field(
        None, description="With count: due date of the first installment (today if omitted)"
    )

    @model_validator(mode="after")
    def _one_way(self) -> "PaymentPlanCreate":
        if (self.installments is None) == (self.count is None):
            raise field_error("installments", "give installments, or count and interval")
        if self.count is not None and self.interval is None:
            raise field_error("interval", "count needs an interval")
        return self


class Installment(OutputModel):
    due_date: date = Field(description="When it is due")
    amount: DecimalOut = Field(description="Amount")
    amount_paid: DecimalOut = Field(description="Paid towards it so far")
    status: str = Field(description="paid, partial, pending or overdue")


class PaymentPlan(OutputModel):
    id: uuid.UUID = Field(description="Payment plan id")
    object: Literal["payment_plan"] = "payment_plan"
    invoice_id: uuid.UUID = Field(description="Invoice paid in installments")
    status: str = Field(description="active, completed or cancelled")
    amount: DecimalOut = Field(description="What the plan covers")
    installments: list[Installment] = Field(description="Installments, in order")
    overdue_installments: int = Field(description="Installments past due and not fully paid")
    ended_at: datetime | None = Field(description="When it completed or was cancelled")
    livemode: bool = Field(description="Live or test mode")
    created_at: datetime = Field(description="Enrolled (UTC)")
    updated_at: datetime = Field(description="Last change (UTC)")


def dispute_out(dispute: DisputeRow, currency: str) -> Dispute:
    out = Dispute.model_validate(dispute)
    out.amount = display_amount(dispute.amount, currency)
    return out


def plan_out(plan: PaymentPlanRow, currency: str, today: date) -> PaymentPlan:
    paid_left = plan.amount_paid
    installments = []
    for entry in plan.installments:
        amount = Decimal(str(entry["amount"]))
        due_date = date.fromisoformat(str(entry["due_date"]))
        paid = min(amount, paid_left)
        paid_left -= paid
        status = (
            "paid"
            if paid == amount
            else "partial"
            if paid > 0
            else "overdue"
            if due_date < today
            else "pending"
        )
        if status == "partial" and due_date < today:
            status = "overdue"
        installments.append(
            Installment(
                due_date=due_date,
                amount=display_amount(amount, currency),
                amount_paid=display_amount(paid, currency),
                status=status,
            )
        )
    return PaymentPlan(
        id=plan.id,
        invoice_id=plan.invoice_id,
        status=plan.status,
        amount=display_amount(plan.amount, currency),
        installments=installments,
        overdue_installments=sum(1 for i in installments if i.status == "overdue"),
        ended_at=plan.ended_at,
        livemode=plan.livemode,
        created_at=plan.created_at,
        updated_at=plan.updated_at,
    )
