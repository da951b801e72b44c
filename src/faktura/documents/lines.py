"""The lines of a document: resolved from a request (catalog items, the account's VAT rates),
or carried as they are stored, then totalled (`totals.py`) onto the document."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.accounts.models import Account, VatRateData
from faktura.core.errors import ErrorDetail, NotFound, ValidationFailed
from faktura.core.ids import uuid7
from faktura.core.money import check_minor_units, quantize_money
from faktura.core.tenant import Tenant
from faktura.documents.models import Document, DocumentLine
from faktura.documents.schemas import LineItemIn
from faktura.documents.status import amount_due
from faktura.documents.totals import (
    LineInput,
    Totals,
    TotalsError,
    check_declared_amount,
    check_line_amounts,
)
from faktura.documents.totals import compute_totals as compute
from faktura.items import service as items_service

ZERO = Decimal(0)
# EN 16931 categories whose lines must say why they carry no VAT.
EXEMPTION_CATEGORIES = frozenset({"E", "AE", "K", "G", "O"})


@dataclass
class ResolvedLine:
    row: dict[str, Any]
    totals_input: LineInput


def _vat_rate_of(account: Account, rate_id: str, field: str) -> VatRateData:
    for rate in account.vat_rates:
        if rate["id"] == rate_id:
            return rate
    raise ValidationFailed.on_field(field, f"no VAT rate '{rate_id}' in this account")


def _standard_rate(account: Account) -> VatRateData | None:
    return next((r for r in account.vat_rates if r.get("category") == "S"), None)


async def resolve_lines(
    session: AsyncSession,
    tenant: Tenant,
    account: Account,
    lines: list[LineItemIn],
    doc_vat_type: str,
    currency: str,
    has_tax_amount: bool,
) -> list[ResolvedLine]:
    resolved = []
    for index, line in enumerate(lines):
        path = f"line_items[{index}]"
        item = None
        if line.item_id is not None:
            try:
                item = await items_service.get_item(session, tenant, line.item_id)
            except NotFound as exc:
                raise NotFound(f"{path}.item_id: no such item {line.item_id}") from exc
            if not item.active:
                raise ValidationFailed.on_field(f"{path}.item_id", "the item is archived")
            if line.unit_price is None and item.currency != currency:
                raise ValidationFailed.on_field(
                    f"{path}.unit_price",
                    f"the item is priced in {item.currency}; give a price in {currency}",
                )
        description = line.description or (item.name if item else None)
        if description is None:
            raise ValidationFailed.on_field(f"{path}.description", "required without item_id")
        unit_price = (
            line.unit_price if line.unit_price is not None else (item.unit_price if item else None)
        )
        if unit_price is None:
            raise ValidationFailed.on_field(f"{path}.unit_price", "required without item_id")
        vat_type = line.vat_type or (item.vat_type if item else doc_vat_type)
        rate_id = line.vat_rate_id
        if rate_id is None and line.vat_rate is None and item is not None:
            rate_id = item.vat_rate_id
        rate: Decimal | None = None
        category: str | None = None
        if vat_type == "exempt":
            if line.vat_rate_id or line.vat_rate:
                raise ValidationFailed.on_field(f"{path}.vat_rate", "an exempt line has no rate")
            rate_id = None
        elif has_tax_amount:
            rate_id = None
        elif rate_id is not None:
            account_rate = _vat_rate_of(account, rate_id, f"{path}.vat_rate_id")
            rate, category = Decimal(str(account_rate["rate"])), account_rate.get("category")
            if line.vat_rate is not None and line.vat_rate != rate:
                raise ValidationFailed.on_field(
                    f"{path}.vat_rate", f"contradicts vat_rate_id {rate_id} ({rate} %)"
                )
            if category in EXEMPTION_CATEGORIES and not line.vat_exemption_reason:
                raise ValidationFailed.on_field(
                    f"{path}.vat_exemption_reason",
                    f"required with a VAT rate of category {category}",
                )
        elif line.vat_rate is not None:
            rate = line.vat_rate
        elif (standard := _standard_rate(account)) is not None:
            rate_id, rate, category = standard["id"], Decimal(str(standard["rate"])), "S"
        discount_amount = line.discount.amount if line.discount else None
        discount_percent = line.discount.percent if line.discount else None
        resolved.append(
            ResolvedLine(
                row={
                    "position": index,
                    "item_id": item.id if item else None,
                    "description": description,
                    "quantity": line.quantity,
                    "unit_price": unit_price,
                    "unit": line.unit or (item.unit if item else None),
                    "discount_amount": discount_amount,
                    "discount_percent": discount_percent,
                    "vat_type": vat_type,
                    "vat_rate_id": rate_id,
                    "vat_rate": rate,
                    "vat_exemption_reason": line.vat_exemption_reason,
                },
                totals_input=LineInput(
                    quantity=line.quantity,
                    unit_price=unit_price,
                    vat_type=vat_type,  # type: ignore[arg-type]
                    vat_rate=rate,
                    vat_category=category,
                    discount_amount=discount_amount,
                    discount_percent=discount_percent,
                    vat_exemption_reason=line.vat_exemption_reason,
                ),
            )
        )
    return resolved


def total_lines(
    lines: list[ResolvedLine],
    currency: str,
    discount: Decimal | None,
    tax_amount: Decimal | None,
    declared: Decimal | None,
    line_amounts: Sequence[Decimal | None] = (),
) -> Totals:
    try:
        totals = compute(
            [line.totals_input for line in lines],
            currency,
            discount_amount=discount,
            tax_amount=tax_amount,
        )
        if declared is not None:
            check_declared_amount(totals, declared, currency)
        check_line_amounts(totals, line_amounts, currency)
    except TotalsError as exc:
        details = [ErrorDetail(path, message) for path, message in exc.problems]
        raise ValidationFailed(str(exc), details) from exc
    return totals


def legacy_line(
    amount: Decimal, tax_amount: Decimal | None, discount: Decimal | None, currency: str
) -> LineItemIn:
    """Seed 003's single `amount`: one line whose math gives exactly that total."""
    check_minor_units(amount, currency, "amount")
    if amount <= 0:
        raise ValidationFailed.on_field("amount", "must be greater than 0")
    net = amount - (tax_amount or ZERO) + (discount or ZERO)
    if net < 0:
        raise ValidationFailed.on_field("tax_amount", "cannot be more than amount plus discount")
    return LineItemIn(
        description="Amount", quantity=Decimal(1), unit_price=quantize_money(net, currency)
    )


def carried_lines(lines: list[DocumentLine]) -> list[ResolvedLine]:
    """Stored lines, re-totalled as they are: no catalog or account lookups, same rates."""
    carried = []
    for line in lines:
        row = {
            "position": line.position,
            "item_id": line.item_id,
            "description": line.description,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "unit": line.unit,
            "discount_amount": line.discount_amount,
            "discount_percent": line.discount_percent,
            "vat_type": line.vat_type,
            "vat_rate_id": line.vat_rate_id,
            "vat_rate": line.vat_rate,
            "vat_exemption_reason": line.vat_exemption_reason,
        }
        carried.append(
            ResolvedLine(
                row=row,
                totals_input=LineInput(
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    vat_type=line.vat_type,  # type: ignore[arg-type]
                    vat_rate=line.vat_rate,
                    vat_category=line.vat_category,
                    discount_amount=line.discount_amount,
                    discount_percent=line.discount_percent,
                    vat_exemption_reason=line.vat_exemption_reason,
                ),
            )
        )
    return carried


def apply_totals(document: Document, lines: list[ResolvedLine], totals: Totals) -> None:
    document.lines = [
        DocumentLine(id=uuid7(), **line.row, amount=result.amount, vat_category=result.vat_category)
        for line, result in zip(lines, totals.lines, strict=True)
    ]
    document.subtotal = totals.subtotal
    document.discount_amount = totals.discount_amount
    document.tax_amount = totals.tax_amount
    document.tax_breakdown = [
        {"rate": row.rate, "category": row.category, "taxable": row.taxable, "tax": row.tax}
        for row in totals.tax_breakdown
    ]
    document.total = totals.total
    document.amount_due = amount_due(document)
