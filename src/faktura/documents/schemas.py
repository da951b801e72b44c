"""Request and response shapes of documents: one model for the four types."""

import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    Field,
    StrictBool,
    field_validator,
    model_validator,
)

from faktura.api.schemas import DecimalIn, DecimalOut, InputModel, OutputModel
from faktura.core.money import (
    MAX_INPUT_DECIMALS,
    QUANTITY_DECIMALS,
    UNIT_PRICE_DECIMALS,
    decimal_places,
)
from faktura.core.types import (
    CurrencyCode,
    IsoDate,
    Locale,
    MultilineText,
    PositiveAmount,
    Text,
    VatType,
    VatTypeOut,
    field_error,
    named,
    one_of,
)
from faktura.documents.status import ALL_STATUSES

DocumentType = Annotated[
    Literal["invoice", "quote", "credit_note", "receipt"],
    named("DocumentType", "The four kinds of document"),
]
SourceType = Literal["api", "import"]
_STATUS = named(
    "DocumentStatus",
    "Where a document is in its life; which statuses each type takes: docs/documents.md",
)
# Every status of any type (`status.DocumentStatus`), as a filter or an import takes it.
DocumentStatusName = Annotated[
    Literal[
        "draft",
        "pending",
        "overdue",
        "partial",
        "paid",
        "in_payment_plan",
        "in_dispute",
        "accepted",
        "declined",
        "converted",
        "issued",
        "cancelled",
    ],
    _STATUS,
]
# As responses show it: a string, with the same schema.
DocumentStatusOut = Annotated[str, one_of(ALL_STATUSES), _STATUS]
MAX_AMOUNT = Decimal(10) ** 12


def _at_most(places: int) -> Callable[[Decimal | None], Decimal | None]:
    """A check of a decimal's places and magnitude (below MAX_AMOUNT)."""

    def check(value: Decimal | None) -> Decimal | None:
        if value is not None and decimal_places(value.normalize()) > places:
            raise ValueError(f"at most {places} decimals")
        if value is not None and abs(value) >= MAX_AMOUNT:
            raise ValueError(f"must be less than {MAX_AMOUNT:,}")
        return value

    return check


_four_decimals = _at_most(MAX_INPUT_DECIMALS)


def check_tax_rate(value: Decimal) -> Decimal:
    if not 0 <= value <= 1:
        raise ValueError("must be a fraction between 0 and 1 (0.0875 is 8.75 %)")
    if decimal_places(value.normalize()) > TAX_RATE_DECIMALS:
        raise ValueError(f"at most {TAX_RATE_DECIMALS} decimals")
    return value


# Seed 003's display-only effective tax rate: a fraction, up to 6 decimals (0.08875).
TAX_RATE_DECIMALS = 6
TaxRate = Annotated[DecimalIn, AfterValidator(check_tax_rate)]
_BILLER = (
    "Which of the account's `billers` issues it (seed 001's `billerId` is accepted too); the "
    "account's first biller if omitted, none if it has none"
)
_PAYMENT_METHOD = (
    "Which of the account's `payment_methods` the customer is asked to pay with (seed 001's "
    "`paymentmethodId` is accepted too); the account's first if omitted, none if it has none"
)
_TAX_RATE = (
    "Display-only effective tax rate as a fraction from 0 to 1 (0.0875 for 8.75 %), up to 6 "
    "decimals; shown as given, never used in the totals (tax_amount and the lines' VAT are)"
)


class LineDiscount(InputModel):
    amount: DecimalIn | None = Field(
        None, description="Discount on the whole line (not per unit), in the document currency"
    )
    percent: DecimalIn | None = Field(None, description="Discount in percent of the line, 0–100")

    _checked = field_validator("amount", "percent")(_four_decimals)

    @model_validator(mode="after")
    def _exactly_one(self) -> "LineDiscount":
        if (self.amount is None) == (self.percent is None):
            raise ValueError("give either amount or percent")
        return self


class LineItemIn(InputModel):
    item_id: uuid.UUID | None = Field(
        None,
        description="Catalog item: its name, price, VAT type and rate are copied unless given here",
    )
    description: MultilineText | None = Field(
        None, min_length=1, max_length=5000, description="What is sold; the item's name if omitted"
    )
    quantity: DecimalIn = Field(
        Decimal(1), description=f"Quantity, > 0, up to {QUANTITY_DECIMALS} decimals"
    )
    unit_price: DecimalIn | None = Field(
        None,
        description=f"Price of one unit, ≥ 0, up to {UNIT_PRICE_DECIMALS} decimals; gross when "
        "vat_type is included. Required without item_id",
    )
    unit: Text | None = Field(None, max_length=50, description="Unit in words, e.g. hour")
    discount: LineDiscount | None = Field(None, description="Line discount: amount or percent")
    vat_type: VatType | None = Field(
        None, description="included, excluded or exempt; the document's vat_type if omitted"
    )
    vat_rate_id: Text | None = Field(
        None, max_length=64, description="One of the account's vat_rates"
    )
    vat_rate: DecimalIn | None = Field(
        None, description="VAT percentage (17 = 17 %) when no vat_rate_id is given"
    )
    vat_exemption_reason: MultilineText | None = Field(
        None, max_length=500, description="Why an exempt line carries no VAT (required then)"
    )

    line_amount: DecimalIn | None = Field(
        None,
        description="The amount you expect for this line (seed 003): checked against quantity × "
        "unit_price − discount within one minor unit (422 otherwise); not stored, the line's "
        "`amount` is always computed",
    )

    _quantity = field_validator("quantity")(_at_most(QUANTITY_DECIMALS))
    _unit_price = field_validator("unit_price")(_at_most(UNIT_PRICE_DECIMALS))
    _checked = field_validator("vat_rate")(_four_decimals)


_LOCALE = (
    "BCP 47 locale the PDF and emails speak, e.g. he-IL; null: the customer's, else the account's"
)


class DocumentCreate(InputModel):
    customer_id: uuid.UUID | None = Field(
        None,
        description="The customer (must belong to this account). Required, except on a credit "
        "note naming its invoice in related_document_id, which takes the invoice's customer",
    )
    customer_name: Text | None = Field(
        None, min_length=1, max_length=200, description="Name printed; the customer's if omitted"
    )
    customer_address: MultilineText | None = Field(
        None, max_length=1000, description="Address printed; the customer's if omitted"
    )
    currency: CurrencyCode | None = Field(
        None,
        description="ISO 4217; if omitted, a credit note's invoice's currency, else the customer's",
    )
    issue_date: IsoDate | None = Field(None, description="Date of issue; today if omitted")
    due_date: IsoDate | None = Field(
        None, description="Payment due date (invoices); 30 days after issue if omitted"
    )
    vat_type: VatType = Field("excluded", description="Default VAT type of the lines")
    line_items: list[LineItemIn] | None = Field(
        None, max_length=500, description="The lines; or give `amount` alone"
    )
    amount: PositiveAmount | None = Field(
        None,
        description="Legacy single amount. With line_items, their total must match it "
        "within one minor unit",
    )
    tax_amount: DecimalIn | None = Field(
        None,
        description="US style: one tax amount for the whole document instead of VAT rates on lines",
    )
    discount_amount: DecimalIn | None = Field(
        None, description="Document discount; lowers the VAT base, pro rata over rates"
    )
    number: Text | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="Your own number (unique per type); assigned from the sequence when omitted",
    )
    invoice_number: Text | None = Field(
        None, min_length=1, max_length=64, description="Alias of `number`"
    )
    status: DocumentStatusName | None = Field(
        None,
        description="`draft` creates a draft; `cancelled` issues the document and cancels it "
        "(imports of void documents); any other status of the type issues it, and its status "
        "then follows its money (an invoice with nothing due is `paid` whatever was asked)",
    )
    notes: MultilineText | None = Field(
        None, max_length=5000, description="Notes printed on the document"
    )
    buyer_reference: Text | None = Field(
        None,
        max_length=200,
        description="The buyer's reference for routing the invoice (EN 16931 BT-10; Germany's "
        "Leitweg-ID for public buyers)",
    )
    purchase_order: Text | None = Field(
        None, max_length=200, description="The buyer's purchase order number (EN 16931 BT-13)"
    )
    related_document_id: uuid.UUID | None = Field(
        None, description="Credit notes: the invoice they reduce (required)"
    )
    source_type: SourceType = Field(
        "api", description="`import` for documents brought from another system"
    )
    amount_due: DecimalIn | None = Field(
        None,
        description="Invoices: what is still due, 0 to the total; the rest was paid outside "
        "Faktura and is recorded as external_payment_amount",
    )
    tax_rate: TaxRate | None = Field(None, description=_TAX_RATE)
    biller_id: Text | None = Field(
        None,
        max_length=64,
        validation_alias=AliasChoices("biller_id", "billerId"),
        description=_BILLER,
    )
    payment_method_id: Text | None = Field(
        None,
        max_length=64,
        validation_alias=AliasChoices("payment_method_id", "paymentmethodId"),
        description=_PAYMENT_METHOD,
    )
    locale: Locale | None = Field(None, description=_LOCALE)
    generate_pdf: StrictBool = Field(
        False,
        description="Render and archive the PDF in this request (an issued document's PDF is "
        "otherwise archived by a background job right after; a draft's is never stored)",
    )

    send_email: StrictBool = Field(
        False,
        description="Email it to the customer after this request, as `POST …/send` with its "
        "defaults would (the message is in GET /v1/messages?document_id=)",
    )

    _checked = field_validator("amount", "tax_amount", "discount_amount", "amount_due")(
        _four_decimals
    )

    @model_validator(mode="after")
    def _one_number(self) -> "DocumentCreate":
        if self.invoice_number is not None:
            if self.number is not None and self.number != self.invoice_number:
                raise field_error("invoice_number", "number and invoice_number differ")
            self.number = self.invoice_number
        if self.generate_pdf and self.status == "draft":
            raise field_error(
                "generate_pdf", "a draft's PDF is never stored; it is rendered on request"
            )
        if self.send_email and self.status in ("draft", "cancelled"):
            raise field_error("send_email", f"a {self.status} document is not sent")
        return self


class DocumentCancel(InputModel):
    reason: MultilineText | None = Field(
        None,
        min_length=1,
        max_length=500,
        description="Why it is cancelled; kept as `cancellation_reason` and in the "
        "`.cancelled` event",
    )


class DocumentUpdate(InputModel):
    customer_id: uuid.UUID | None = Field(None, description="Drafts only")
    customer_name: Text | None = Field(
        None, min_length=1, max_length=200, description="Drafts only"
    )
    customer_address: MultilineText | None = Field(
        None, max_length=1000, description="Always editable"
    )
    currency: CurrencyCode | None = Field(None, description="Drafts only")
    issue_date: IsoDate | None = Field(None, description="Drafts only")
    due_date: IsoDate | None = Field(None, description="Always editable")
    tax_rate: TaxRate | None = Field(None, description=f"Always editable. {_TAX_RATE}")
    biller_id: Text | None = Field(
        None, max_length=64, description="Drafts only; null for none. One of the account's billers"
    )
    payment_method_id: Text | None = Field(
        None,
        max_length=64,
        description="Drafts only; null for none. One of the account's payment_methods",
    )
    locale: Locale | None = Field(None, description=f"Drafts only. {_LOCALE}")
    vat_type: VatType | None = Field(None, description="Drafts only")
    line_items: list[LineItemIn] | None = Field(
        None, max_length=500, description="Drafts only; replaces all lines"
    )
    tax_amount: DecimalIn | None = Field(None, description="Drafts only")
    discount_amount: DecimalIn | None = Field(None, description="Drafts only")
    notes: MultilineText | None = Field(None, max_length=5000, description="Always editable")
    buyer_reference: Text | None = Field(
        None, max_length=200, description="The buyer's reference (BT-10); always editable"
    )
    purchase_order: Text | None = Field(
        None,
        max_length=200,
        description="The buyer's purchase order number (BT-13); always editable",
    )
    amount: PositiveAmount | None = Field(None, description="Imported documents: the total")
    amount_due: DecimalIn | None = Field(None, description="Imported documents: ≤ amount")
    external_payment_amount: DecimalIn | None = Field(
        None, description="Imported documents: paid outside Faktura, ≤ amount"
    )

    _checked = field_validator(
        "amount", "tax_amount", "discount_amount", "amount_due", "external_payment_amount"
    )(_four_decimals)


class LineItem(OutputModel):
    id: uuid.UUID = Field(description="Line id")
    item_id: uuid.UUID | None = Field(description="Catalog item it came from")
    description: str = Field(description="What is sold")
    quantity: DecimalOut = Field(description="Quantity")
    unit_price: DecimalOut = Field(description="Price of one unit")
    unit: str | None = Field(description="Unit in words")
    discount_amount: DecimalOut | None = Field(description="Line discount as an amount")
    discount_percent: DecimalOut | None = Field(description="Line discount in percent")
    vat_type: VatTypeOut = Field(description="How unit_price relates to VAT")
    vat_rate_id: str | None = Field(description="Account VAT rate used")
    vat_rate: DecimalOut | None = Field(description="VAT percentage")
    vat_category: str | None = Field(description="EN 16931 VAT category")
    vat_exemption_reason: str | None = Field(description="Why exempt")
    amount: DecimalOut = Field(
        description="quantity × unit_price − discount, rounded once; gross when included"
    )


class TaxBreakdown(OutputModel):
    rate: DecimalOut | None = Field(description="VAT percentage; null for a single tax amount")
    category: str | None = Field(description="EN 16931 VAT category")
    taxable: DecimalOut = Field(description="Taxable amount of this rate, after discounts")
    tax: DecimalOut = Field(description="VAT of this rate, rounded once")


class DocumentPdf(OutputModel):
    status: Literal["pending", "ready", "failed"] = Field(
        description="pending until archived (a job renders it right after issue); ready; "
        "failed after the render was retried (the document itself is unharmed)"
    )
    source: Literal["generated", "user_upload"] | None = Field(
        description="Rendered by Faktura or uploaded; null while pending"
    )
    url: str = Field(description="Where the API serves it (GET; application/pdf)")
    sha256: str | None = Field(description="SHA-256 of the archived bytes, hex; the ETag")
    size: int | None = Field(description="Size of the archived bytes")
    generated_at: datetime | None = Field(description="When it was archived")


class ClearanceError(OutputModel):
    code: str | None = Field(description="The authority's error code")
    message: str = Field(description="What the authority (or Faktura, before sending) said")


class DocumentClearance(OutputModel):
    provider: Literal["mydata", "il_ita"] = Field(
        description="mydata: Greece's AADE; il_ita: the Israel Tax Authority"
    )
    environment: Literal["sandbox", "production"] = Field(
        description="Where it was submitted: test mode always uses the sandbox"
    )
    status: Literal["not_required", "pending", "cleared", "rejected", "failed", "cancelled"] = (
        Field(
            description="not_required (the rules do not ask for it: nothing is sent); pending "
            "(a job submits it after issue); cleared; rejected (the authority refused it: see "
            "errors); failed (the authority could not be reached after every retry); cancelled "
            "(cleared, then cancelled at the authority with the document)"
        )
    )
    reference: str | None = Field(description="The authority's reference: myDATA's MARK")
    qr_url: str | None = Field(description="myDATA: the URL its QR code on the PDF points to")
    submitted_at: datetime | None = Field(description="When it was last submitted")
    cleared_at: datetime | None = Field(description="When the authority accepted it")
    cancellation_reference: str | None = Field(description="myDATA: the MARK of the cancellation")
    errors: list[ClearanceError] = Field(description="Why it was rejected or failed")


class Document(OutputModel):
    id: uuid.UUID = Field(description="Document id")
    object: Literal["document"] = "document"
    type: DocumentType = Field(description="invoice, quote, credit_note or receipt")
    number: str | None = Field(description="Legal number; null while a draft")
    status: DocumentStatusOut = Field(description="Where the document is in its life")
    customer_id: uuid.UUID = Field(description="Customer")
    customer_name: str = Field(description="Customer name as printed")
    customer_address: str | None = Field(description="Customer address as printed")
    currency: str = Field(description="ISO 4217 code")
    issue_date: date = Field(description="Date of issue")
    due_date: date | None = Field(description="Payment due date")
    vat_type: VatTypeOut = Field(description="Default VAT type of the lines")
    line_items: list[LineItem] = Field(description="The lines, in order")
    subtotal: DecimalOut = Field(description="Net amount before the document discount")
    discount_amount: DecimalOut = Field(description="Document discount")
    tax_amount: DecimalOut = Field(description="All VAT or tax")
    tax_rate: DecimalOut | None = Field(
        description="Display-only effective tax rate as a fraction (0.0875 is 8.75 %), as given"
    )
    tax_breakdown: list[TaxBreakdown] = Field(description="VAT per rate")
    total: DecimalOut = Field(description="subtotal − discount_amount + tax_amount")
    amount_paid: DecimalOut = Field(description="Paid through Faktura")
    amount_credited: DecimalOut = Field(description="Reduced by credit notes")
    external_payment_amount: DecimalOut = Field(description="Paid outside Faktura")
    amount_due: DecimalOut = Field(description="What is still owed")
    notes: str | None = Field(description="Notes")
    buyer_reference: str | None = Field(description="The buyer's reference (EN 16931 BT-10)")
    purchase_order: str | None = Field(description="The buyer's purchase order (BT-13)")
    biller_id: str | None = Field(description="The account's biller that issues it")
    payment_method_id: str | None = Field(
        description="The account's payment method the customer is asked to pay with"
    )
    source_type: str = Field(description="api or import")
    related_document_id: uuid.UUID | None = Field(
        description="Credit note: the invoice it reduces; quote: the invoice it became"
    )
    finalized_at: datetime | None = Field(description="When it was issued")
    sent_at: datetime | None = Field(description="When it was last sent")
    cancelled_at: datetime | None = Field(description="When it was cancelled")
    cancellation_reason: str | None = Field(
        description="Why it was cancelled, as given to the cancel action"
    )
    locale: str | None = Field(
        description="Locale of its PDF and emails; null: the customer's, else the account's"
    )
    pdf: DocumentPdf | None = Field(
        description="The PDF: null on a draft (GET …/pdf renders it, marked DRAFT, and "
        "stores nothing)"
    )
    clearance: DocumentClearance | None = Field(
        description="National clearance (docs/clearance.md): null where the account clears "
        "nothing or the document is a draft"
    )
    livemode: bool = Field(description="Live or test mode")
    created_at: datetime = Field(description="Creation time (UTC)")
    updated_at: datetime = Field(description="Last change (UTC)")
