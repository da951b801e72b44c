"""The sample invoice the branding preview prints when no document is named: every part of
the layout (two VAT rates, a discount, a payment, notes), in the account's currency."""

from decimal import Decimal
from typing import Any

from faktura.core.money import amount_display


def sample_document(currency: str, locale: str | None) -> dict[str, Any]:
    money = amount_display(currency)

    def line(description: str, quantity: str, price: str, rate: str, amount: str) -> dict[str, Any]:
        return {
            "id": "sample",
            "item_id": None,
            "description": description,
            "quantity": Decimal(quantity),
            "unit_price": money(Decimal(price)),
            "unit": "h" if quantity != "1" else None,
            "discount_amount": None,
            "discount_percent": None,
            "vat_type": "excluded",
            "vat_rate_id": None,
            "vat_rate": Decimal(rate),
            "vat_category": "S",
            "vat_exemption_reason": None,
            "amount": money(Decimal(amount)),
        }

    lines = [
        line("Consulting", "12", "95", "20", "1140"),
        line("Workshop materials", "1", "240", "10", "240"),
    ]
    return {
        "id": "sample",
        "object": "document",
        "type": "invoice",
        "number": "SAMPLE-0001",
        "status": "pending",
        "customer_id": "sample",
        "customer_name": "Sample Customer Ltd",
        "customer_address": "1 Example Street\n10115 Berlin",
        "currency": currency,
        "issue_date": "2026-12-01",
        "due_date": "2026-12-31",
        "vat_type": "excluded",
        "line_items": lines,
        "subtotal": money(Decimal("1380")),
        "discount_amount": money(Decimal("0")),
        "tax_amount": money(Decimal("252")),
        "tax_rate": None,
        "tax_breakdown": [
            {
                "rate": Decimal(rate),
                "category": "S",
                "taxable": money(Decimal(taxable)),
                "tax": money(Decimal(tax)),
            }
            for rate, taxable, tax in ((20, 1140, 228), (10, 240, 24))
        ],
        "total": money(Decimal("1632")),
        "amount_paid": money(Decimal("500")),
        "amount_credited": money(Decimal("0")),
        "external_payment_amount": money(Decimal("0")),
        "amount_due": money(Decimal("1132")),
        "notes": "A sample invoice showing your branding.",
        "biller_id": None,
        "payment_method_id": None,
        "locale": locale,
    }
