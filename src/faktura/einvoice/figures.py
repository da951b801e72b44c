"""What both e-invoice syntaxes (UBL, CII) take from a document the same way: unit codes, the
exemption reason of each VAT category, and the document discount per VAT group."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

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


def allowances(document: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], Decimal]]:
    """The document discount as EN 16931 allowances, one per VAT group it lowered: the group's
    line nets less its taxable amount."""
    found = []
    for row in document["tax_breakdown"]:
        nets = sum(
            (
                Decimal(line["amount"])
                for line in document["line_items"]
                if line["vat_category"] == row["category"]
                and Decimal(line["vat_rate"] or 0) == Decimal(row["rate"] or 0)
            ),
            Decimal(0),
        )
        share = nets - Decimal(row["taxable"])
        if share > 0:
            found.append((row, share))
    return found


def payment_terms(document: Mapping[str, Any], related_number: str | None) -> str:
    """The payment terms text (BT-20) of a document without a due date."""
    if document["type"] == "credit_note" and related_number:
        return f"Credited against invoice {related_number}"
    return "Due on receipt"
