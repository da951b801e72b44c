"""What an EN 16931 e-invoice needs that a document may lack: each missing business term, named
with the field that supplies it, before anything is exported."""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from faktura.core.money import currency_exponent
from faktura.einvoice.figures import MAX_DECIMALS, exported_amounts

# VAT categories whose rules ask for the seller's VAT identifier (BR-S-02, BR-Z-02, BR-E-02,
# BR-AE-02, BR-IC-02, BR-G-02).
_SELLER_VAT_ID = frozenset({"S", "Z", "E", "AE", "K", "G"})
# …and the buyer's (BR-AE-02 reverse charge, BR-IC-02 intra-community supply).
_BUYER_VAT_ID = frozenset({"AE", "K"})
# Categories whose breakdown must say why no VAT is charged (BR-E-10, BR-AE-10, BR-IC-10,
# BR-G-10, BR-O-10).
_EXEMPTION_REASON = frozenset({"E", "AE", "K", "G", "O"})
SUPPORTED_CATEGORIES = frozenset({"S", "Z", "E", "AE", "K", "G", "O", "L", "M"})


@dataclass(frozen=True)
class Missing:
    """One thing the document lacks: the business term, and the field that supplies it."""

    term: str
    field: str
    message: str


def missing_terms(
    document: Mapping[str, Any], account: Mapping[str, Any], customer: Mapping[str, Any]
) -> list[Missing]:
    """Every reason the document cannot make a valid EN 16931 e-invoice, in a stable order.
    `document`, `account` and `customer` are the API's JSON of each."""
    found: list[Missing] = []
    categories = {row["category"] for row in document["tax_breakdown"]}
    seller_address = account.get("address") or {}
    buyer_address = customer.get("address") or {}
    if not seller_address.get("country"):
        found.append(
            Missing(
                "BT-40",
                "account.address.country",
                "BT-40 seller country: set account.address.country",
            )
        )
    if categories & _SELLER_VAT_ID and not account.get("tax_id"):
        found.append(
            Missing("BT-31", "account.tax_id", "BT-31 seller VAT identifier: set account.tax_id")
        )
    if not account.get("electronic_address"):
        found.append(
            Missing(
                "BT-34",
                "account.electronic_address",
                "BT-34 seller electronic address (Peppol): set account.electronic_address",
            )
        )
    if not buyer_address.get("country"):
        found.append(
            Missing(
                "BT-55",
                "customer.address.country",
                "BT-55 buyer country: set customer.address.country",
            )
        )
    if categories & _BUYER_VAT_ID and not customer.get("tax_id"):
        found.append(
            Missing(
                "BT-48",
                "customer.tax_id",
                "BT-48 buyer VAT identifier (reverse charge): set customer.tax_id",
            )
        )
    if not customer.get("electronic_address"):
        found.append(
            Missing(
                "BT-49",
                "customer.electronic_address",
                "BT-49 buyer electronic address (Peppol): set customer.electronic_address",
            )
        )
    if not (document.get("buyer_reference") or document.get("purchase_order")):
        found.append(
            Missing(
                "BT-10",
                "buyer_reference",
                "BT-10 buyer reference or BT-13 purchase order "
                "(Peppol): set the document's buyer_reference or purchase_order",
            )
        )
    for category in sorted(categories & _EXEMPTION_REASON):
        lines = [line for line in document["line_items"] if line["vat_category"] == category]
        if not any(line.get("vat_exemption_reason") for line in lines):
            found.append(
                Missing(
                    "BT-120",
                    "line_items[].vat_exemption_reason",
                    f"BT-120 VAT exemption "
                    f"reason of category {category}: set vat_exemption_reason on its lines",
                )
            )
    unknown = {c for c in categories if c not in SUPPORTED_CATEGORIES}
    if None in unknown or document.get("tax_rate") is not None:
        found.append(
            Missing(
                "BT-118",
                "line_items[].vat_rate_id",
                "BT-118 VAT category of every line: "
                "a single document tax_amount without VAT rates has none; give each line a "
                "VAT rate",
            )
        )
    currency = document["currency"]
    if currency_exponent(currency) > MAX_DECIMALS:
        finer = [a for a in exported_amounts(document) if a != a.quantize(Decimal("0.01"))]
        if finer:
            found.append(
                Missing(
                    "BT-5",
                    "currency",
                    f"BT-5 currency: EN 16931 amounts have at most {MAX_DECIMALS} decimals, and "
                    f"this {currency} document has amounts such as {finer[0]}; they are never "
                    "rounded",
                )
            )
    if Decimal(document["total"]) < 0:
        found.append(Missing("BT-112", "total", "BT-112 total: must not be negative"))
    return found
