"""What both e-invoice syntaxes (UBL, CII) take from a document the same way: unit codes, the
exemption reason of each VAT category, and the document discount per VAT group."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from faktura.core.money import currency_exponent, quantize_money

# UN/ECE Recommendation 20 codes of the units Faktura's items commonly carry; C62 ("one") for
# a line without a unit or with one not listed.
UNIT_CODES = {
    "h": "HUR",
    "hr": "HUR",
    "hour": "HUR",
    "hours": "HUR",
    "min": "MIN",
    "minute": "MIN",
    "day": "DAY",
    "days": "DAY",
    "week": "WEE",
    "month": "MON",
    "months": "MON",
    "year": "ANN",
    "kg": "KGM",
    "g": "GRM",
    "t": "TNE",
    "m": "MTR",
    "km": "KMT",
    "m2": "MTK",
    "m3": "MTQ",
    "l": "LTR",
    "piece": "H87",
    "pcs": "H87",
    "unit": "C62",
    "kwh": "KWH",
}


def unit_code(unit: str | None) -> str:
    return UNIT_CODES.get((unit or "").strip().lower(), "C62")


def reasons(document: Mapping[str, Any]) -> dict[str, str]:
    """The exemption reason of each category, from its first line that gives one."""
    found: dict[str, str] = {}
    for line in document["line_items"]:
        if line.get("vat_exemption_reason"):
            found.setdefault(line["vat_category"], line["vat_exemption_reason"])
    return found


def _in_group(line: Mapping[str, Any], row: Mapping[str, Any]) -> bool:
    return line["vat_category"] == row["category"] and Decimal(line["vat_rate"] or 0) == Decimal(
        row["rate"] or 0
    )


def net_amounts(document: Mapping[str, Any]) -> list[Decimal]:
    """Each line's net amount (BT-131). A line priced with VAT included (`vat_type: included`)
    has its VAT taken out — gross × 100 / (100 + rate), rounded — and, in a group without a
    document discount, the rounding left over goes to the group's largest line, so the group's
    nets add up to its taxable amount exactly as the VAT breakdown says."""
    currency = document["currency"]
    lines = document["line_items"]
    nets = [Decimal(line["amount"]) for line in lines]
    discounted = Decimal(document["discount_amount"]) > 0
    for row in document["tax_breakdown"]:
        members = [
            i
            for i, line in enumerate(lines)
            if _in_group(line, row) and line["vat_type"] == "included"
        ]
        if not members:
            continue
        rate = Decimal(row["rate"] or 0)
        for i in members:
            nets[i] = quantize_money(nets[i] * 100 / (100 + rate), currency)
        if not discounted:
            largest = max(members, key=lambda i: Decimal(lines[i]["amount"]))
            nets[largest] += Decimal(row["taxable"]) - sum((nets[i] for i in members), Decimal(0))
    return nets


def allowances(document: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], Decimal]]:
    """The document discount as EN 16931 allowances, one per VAT group it lowered: the group's
    line nets less its taxable amount."""
    nets = net_amounts(document)
    found = []
    for row in document["tax_breakdown"]:
        total = sum(
            (
                n
                for n, line in zip(nets, document["line_items"], strict=True)
                if _in_group(line, row)
            ),
            Decimal(0),
        )
        share = total - Decimal(row["taxable"])
        if share > 0:
            found.append((row, share))
    return found


def payment_terms(document: Mapping[str, Any], related_number: str | None) -> str:
    """The payment terms text (BT-20) of a document without a due date."""
    if document["type"] == "credit_note" and related_number:
        return f"Credited against invoice {related_number}"
    return "Due on receipt"


# EN 16931 amounts have at most two decimals (BR-DEC-*). A currency with three (BHD, KWD…)
# exports when every amount of the document is a whole number of hundredths; never rounded.
MAX_DECIMALS = 2
_HUNDREDTH = Decimal("0.01")


def exported_amounts(document: Mapping[str, Any]) -> list[Decimal]:
    """Every amount an export writes, as the document has it."""
    found = [
        Decimal(document[name])
        for name in ("subtotal", "discount_amount", "tax_amount", "total", "amount_due")
    ]
    for row in document["tax_breakdown"]:
        found += [Decimal(row["taxable"]), Decimal(row["tax"])]
    for line in document["line_items"]:
        gross = Decimal(line["quantity"]) * Decimal(line["unit_price"])
        found += [Decimal(line["amount"]), quantize_money(gross, document["currency"])]
    return found


def amount_text(value: Decimal | str, currency: str) -> str:
    """An amount as the XML writes it: at the currency's exponent, or at two decimals for a
    currency with more (the check has made sure nothing is lost)."""
    shown = quantize_money(Decimal(value), currency)
    if currency_exponent(currency) > MAX_DECIMALS:
        shown = shown.quantize(_HUNDREDTH)
    return str(shown)


def line_price(line: Mapping[str, Any], net: Decimal, currency: str) -> tuple[Decimal, Decimal]:
    """A line's net price (BT-146) and its allowance (BT-136). A net-priced line keeps its
    unit price, its discount as the allowance; a VAT-included line is priced at its net amount
    per unit (to eight decimals), without an allowance."""
    if line["vat_type"] == "included":
        price = (net / Decimal(line["quantity"])).quantize(Decimal("0.00000001"))
        return price.normalize(), Decimal(0)
    gross = quantize_money(Decimal(line["quantity"]) * Decimal(line["unit_price"]), currency)
    return Decimal(line["unit_price"]).normalize(), gross - net
