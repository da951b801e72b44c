"""Response shapes of the reports."""

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from faktura.api.schemas import DecimalOut


class BalanceRow(BaseModel):
    currency: str = Field(description="ISO 4217")
    outstanding: DecimalOut = Field(description="Σ amount_due of open invoices")
    overdue: DecimalOut = Field(description="Part of it due before as_of")
    unapplied_credit: DecimalOut = Field(description="Payments received but not yet applied")
    open_invoices: int = Field(description="Number of open invoices")


class BalanceReport(BaseModel):
    object: Literal["balance"] = "balance"
    as_of: date = Field(description="Date that decides what is overdue")
    customer_id: uuid.UUID | None = Field(description="The customer, when filtered")
    data: list[BalanceRow] = Field(description="One row per currency")


class AgingBuckets(BaseModel):
    total: DecimalOut = Field(description="Σ amount_due")
    current: DecimalOut = Field(description="Not yet past due on as_of")
    days_1_30: DecimalOut = Field(alias="1_30", description="1–30 days past due")
    days_31_60: DecimalOut = Field(alias="31_60", description="31–60 days past due")
    days_61_90: DecimalOut = Field(alias="61_90", description="61–90 days past due")
    days_90_plus: DecimalOut = Field(alias="90_plus", description="More than 90 days past due")


class AgingCustomer(AgingBuckets):
    customer_id: uuid.UUID = Field(description="Customer")
    customer_name: str = Field(description="Name on the invoices")


class AgingCurrency(AgingBuckets):
    currency: str = Field(description="ISO 4217")
    customers: list[AgingCustomer] = Field(description="Per customer")


class AgingReport(BaseModel):
    object: Literal["aging"] = "aging"
    as_of: date = Field(description="Date the ages are counted to")
    customer_id: uuid.UUID | None = Field(description="The customer, when filtered")
    data: list[AgingCurrency] = Field(description="One entry per currency")
