"""Document totals after EN 16931: exact, rounded once where the standard rounds.

Pure functions, no database. The rules:
- a line's amount is quantity × unit price − line discount, rounded to the currency once;
- lines are grouped by VAT rate, category and pricing basis; a document discount (an EN 16931
  document-level allowance) lowers the groups' bases pro rata before any VAT is computed;
- VAT is computed once per group: `excluded` prices are net and VAT = base × rate, rounded;
  `included` prices are gross and the VAT inside them is extracted, base × rate / (100 + rate),
  rounded, so the customer pays exactly the gross prices; `exempt` lines carry no VAT and must
  say why;
- a US-style document gives one `tax_amount` for the whole document instead of VAT rates;
- total = taxable amounts + VAT, and subtotal = total − VAT + document discount, so
  total = subtotal − discount + tax holds exactly.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from faktura.core.money import (
    MAX_STORED_MAGNITUDE,
    currency_exponent,
    money_text,
    quantize_money,
)

VatType = Literal["included", "excluded", "exempt"]
HUNDRED = Decimal(100)
ZERO = Decimal(0)


class TotalsError(ValueError):
    """Inputs whose totals cannot be computed; each problem names its field."""

    def __init__(self, problems: tuple[tuple[str, str], ...]):
        self.problems = problems
        super().__init__("; ".join(f"{path}: {message}" for path, message in problems))


@dataclass(frozen=True)
class LineInput:
    quantity: Decimal
    unit_price: Decimal
    vat_type: VatType = "excluded"
    vat_rate: Decimal | None = None  # percent; None: no VAT on this line
    vat_category: str | None = None  # EN 16931 code; derived when omitted
    discount_amount: Decimal | None = None  # for the whole line, not per unit
    discount_percent: Decimal | None = None
    vat_exemption_reason: str | None = None


@dataclass(frozen=True)
class LineResult:
    amount: Decimal  # rounded; gross when the line's prices include VAT
    vat_type: VatType
    vat_rate: Decimal | None
    vat_category: str | None


@dataclass(frozen=True)
class TaxRow:
    rate: Decimal | None
    category: str | None
    taxable: Decimal
    tax: Decimal


@dataclass(frozen=True)
class Totals:
    lines: tuple[LineResult, ...]
    subtotal: Decimal
    discount_amount: Decimal
    tax_amount: Decimal
    tax_breakdown: tuple[TaxRow, ...]
    total: Decimal


@dataclass
class _Group:
    rate: Decimal | None
    category: str | None
    basis: VatType
    base: Decimal = ZERO
    allowance: Decimal = ZERO
    members: list[int] = field(default_factory=list)


def minor_unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-currency_exponent(currency))


def _category(line: LineInput) -> str | None:
    if line.vat_category:
        return line.vat_category
    if line.vat_type == "exempt":
        return "E"
    if line.vat_rate is None:
        return None
    return "Z" if line.vat_rate == 0 else "S"


def _line_amount(line: LineInput, index: int, currency: str) -> Decimal:
    path = f"line_items[{index}]"
    problems: list[tuple[str, str]] = []
    if line.quantity <= 0:
        problems.append((f"{path}.quantity", "must be greater than 0"))
    if line.unit_price < 0:
        problems.append((f"{path}.unit_price", "must be 0 or more"))
    if line.discount_amount is not None and line.discount_percent is not None:
        problems.append((f"{path}.discount", "give an amount or a percent, not both"))
    if line.vat_rate is not None and not ZERO <= line.vat_rate <= HUNDRED:
        problems.append((f"{path}.vat_rate", "must be a percentage between 0 and 100"))
    if line.vat_type == "exempt":
        if not (line.vat_exemption_reason or "").strip():
            problems.append((f"{path}.vat_exemption_reason", "required on an exempt line"))
        if line.vat_rate:
            problems.append((f"{path}.vat_rate", "an exempt line carries no VAT rate"))
    if problems:
        raise TotalsError(tuple(problems))
    gross = line.quantity * line.unit_price
    discount = ZERO
    if line.discount_amount is not None:
        discount = line.discount_amount
    elif line.discount_percent is not None:
        if not ZERO <= line.discount_percent <= HUNDRED:
            raise TotalsError(((f"{path}.discount.percent", "must be between 0 and 100"),))
        discount = gross * line.discount_percent / HUNDRED
    if discount < 0 or discount > gross:
        raise TotalsError(((f"{path}.discount.amount", "must be between 0 and the line amount"),))
    amount = quantize_money(gross - discount, currency)
    if amount >= MAX_STORED_MAGNITUDE:
        raise TotalsError(((path, f"the line amount must be below {MAX_STORED_MAGNITUDE:,}"),))
    return amount


def _allocate(amount: Decimal, groups: Sequence[_Group], currency: str) -> None:
    """Spread a document discount over the groups pro rata to their bases, to the minor unit.

    Shares are rounded down and the leftover minor units go to the largest remainders, so the
    shares add up to the discount exactly.
    """
    total_base = sum((g.base for g in groups), ZERO)
    if amount == 0 or total_base == 0:
        return
    unit = minor_unit(currency)
    exact = [amount * g.base / total_base for g in groups]
    shares = [(e / unit).to_integral_value(rounding="ROUND_FLOOR") * unit for e in exact]
    leftover = int((amount - sum(shares, ZERO)) / unit)
    by_remainder = sorted(range(len(groups)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in by_remainder[:leftover]:
        shares[i] += unit
    for group, share in zip(groups, shares, strict=True):
        group.allowance = share


def compute_totals(
    lines: Sequence[LineInput],
    currency: str,
    *,
    discount_amount: Decimal | None = None,
    tax_amount: Decimal | None = None,
) -> Totals:
    if not lines:
        raise TotalsError((("line_items", "at least one line is required"),))
    discount = discount_amount if discount_amount is not None else ZERO
    if discount < 0:
        raise TotalsError((("discount_amount", "must be 0 or more"),))
    if quantize_money(discount, currency) != discount:
        raise TotalsError((("discount_amount", f"has more decimals than {currency} allows"),))
    if tax_amount is not None:
        if tax_amount < 0 or quantize_money(tax_amount, currency) != tax_amount:
            raise TotalsError(
                (("tax_amount", f"must be 0 or more, in whole {currency} minor units"),)
            )
        taxed = [i for i, line in enumerate(lines) if line.vat_rate or line.vat_type == "included"]
        if taxed:
            raise TotalsError(
                (
                    (
                        f"line_items[{taxed[0]}].vat_rate",
                        "a document with tax_amount has no VAT on its lines",
                    ),
                )
            )

    results: list[LineResult] = []
    groups: dict[tuple[Decimal | None, str | None, VatType], _Group] = {}
    for index, line in enumerate(lines):
        amount = _line_amount(line, index, currency)
        category = _category(line)
        results.append(LineResult(amount, line.vat_type, line.vat_rate, category))
        rate = None if line.vat_type == "exempt" else line.vat_rate
        basis: VatType = "exempt" if rate is None or line.vat_type == "exempt" else line.vat_type
        key = (rate, category, basis)
        group = groups.setdefault(key, _Group(rate, category, basis))
        group.base += amount
        group.members.append(index)

    bases: dict[Decimal, str] = {}
    for (rate, _, basis), group in groups.items():
        if rate is None or basis == "exempt":
            continue
        if bases.setdefault(rate, basis) != basis:
            raise TotalsError(
                (
                    (
                        f"line_items[{group.members[0]}].vat_type",
                        f"lines at {rate} % mix included and excluded prices; VAT is "
                        "rounded once per rate, so use one pricing per rate",
                    ),
                )
            )
    ordered = list(groups.values())
    if discount > sum((g.base for g in ordered), ZERO):
        raise TotalsError((("discount_amount", "is larger than the lines' amount"),))
    _allocate(discount, ordered, currency)

    rows: dict[tuple[Decimal | None, str | None], list[Decimal]] = {}
    for group in ordered:
        amount = group.base - group.allowance
        if group.rate is None or group.basis == "exempt":
            taxable, tax = amount, ZERO
        elif group.basis == "included":
            tax = quantize_money(amount * group.rate / (HUNDRED + group.rate), currency)
            taxable = amount - tax
        else:
            taxable = amount
            tax = quantize_money(amount * group.rate / HUNDRED, currency)
        row = rows.setdefault((group.rate, group.category), [ZERO, ZERO])
        row[0] += taxable
        row[1] += tax

    breakdown = [
        TaxRow(rate, category, values[0], values[1]) for (rate, category), values in rows.items()
    ]
    if tax_amount is not None:
        taxable_total = sum((r.taxable for r in breakdown), ZERO)
        breakdown = [TaxRow(None, None, taxable_total, tax_amount)]
    breakdown.sort(key=lambda r: (-(r.rate or ZERO), r.category or ""))
    tax = sum((r.tax for r in breakdown), ZERO)
    total = sum((r.taxable for r in breakdown), ZERO) + tax
    if total <= 0:
        raise TotalsError((("total", "must be greater than 0"),))
    if total >= MAX_STORED_MAGNITUDE:
        raise TotalsError((("total", f"must be below {MAX_STORED_MAGNITUDE:,}"),))
    return Totals(
        lines=tuple(results),
        subtotal=total - tax + discount,
        discount_amount=discount,
        tax_amount=tax,
        tax_breakdown=tuple(breakdown),
        total=total,
    )


def check_declared_amount(totals: Totals, amount: Decimal, currency: str) -> None:
    """A document that gives both `amount` and lines must agree within one minor unit."""
    if abs(totals.total - amount) > minor_unit(currency):
        message = (
            f"amount {money_text(amount, currency)} does not match the line items' total "
            f"{money_text(totals.total, currency)} (allowed difference: {minor_unit(currency)})"
        )
        raise TotalsError((("amount", message), ("line_items", message)))


def check_line_amounts(totals: Totals, declared: Sequence[Decimal | None], currency: str) -> None:
    """Lines that state their `line_amount` (seed 003) must agree with the computed amount
    (quantity × unit price − discount, rounded) within one minor unit; it is not stored."""
    problems = tuple(
        (
            f"line_items[{index}].line_amount",
            f"{money_text(stated, currency)} does not match quantity × unit_price "
            f"({money_text(line.amount, currency)})",
        )
        for index, (stated, line) in enumerate(zip(declared, totals.lines, strict=False))
        if stated is not None and abs(line.amount - stated) > minor_unit(currency)
    )
    if problems:
        raise TotalsError(problems)
