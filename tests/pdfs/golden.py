"""The golden invoices: an English, a Hebrew and a Greek one, rendered from fixed data to PNG
and kept in docs/images/ — so a person can see what Faktura prints, and a test can see when
that changes.

    .venv/bin/python -m tests.pdfs.golden     # write the references again, after a change
                                              # to the templates that is meant
"""

import io
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from PIL import Image

from faktura.pdfs.printable import Printable
from faktura.pdfs.render import render_pdf

REFERENCES = Path(__file__).resolve().parents[2] / "docs" / "images"
DPI = 100

_ACCOUNT: dict[str, Any] = {
    "name": "Faktura Demo",
    "legal_name": "Faktura Demo Ltd",
    "tax_id": "514123456",
    "email": "billing@example.com",
    "phone": "+972 3 555 0100",
    "website": "https://example.com",
    "address": {"street": "Rothschild 10", "city": "Tel Aviv", "zip": "6688101", "country": "IL"},
    "branding": {"color": "#1f4e79", "footer": "Bank Leumi 10-800-12345 · Thank you"},
    "payment_methods": [
        {"id": "pm1", "name": "Bank transfer", "details": "IBAN IL62 0108 0000 0009 9999 999"}
    ],
    "billers": [],
}

_WORDS = {
    "en": ("Acme GmbH", "Herzl 1\n6100000 Tel Aviv", ["Consulting (API v2)", "Review", "Hosting"]),
    "he": ("חברת אלפא בע״מ", "הרצל 1\n6100000 תל אביב", ["ייעוץ משפטי (API v2)", "סקירה", "אחסון"]),
    "el": ("Αλφα Α.Ε.", "Σταδίου 5\n10562 Αθήνα", ["Υπηρεσίες (API v2)", "Έλεγχος", "Φιλοξενία"]),
}
_LOCALES = {"en": "en-GB", "he": "he-IL", "el": "el-GR"}
_CURRENCIES = {"en": "EUR", "he": "ILS", "el": "EUR"}


def printable(language: str) -> Printable:
    customer, address, descriptions = _WORDS[language]
    d = Decimal
    lines = [
        (descriptions[0], d("2.5"), d("120.00"), "h", d("10"), d("17"), d("270.00")),
        (descriptions[1], d("1"), d("300.00"), None, None, d("17"), d("300.00")),
        (descriptions[2], d("12"), d("25.00"), None, None, d("0"), d("300.00")),
    ]
    document = {
        "type": "invoice",
        "number": "INV-2026-0042",
        "status": "pending",
        "customer_name": customer,
        "customer_address": address,
        "currency": _CURRENCIES[language],
        "issue_date": "2026-12-03",
        "due_date": "2027-01-02",
        "line_items": [
            {
                "description": text,
                "quantity": quantity,
                "unit_price": price,
                "unit": unit,
                "discount_amount": None,
                "discount_percent": discount,
                "vat_type": "excluded",
                "vat_rate": rate,
                "amount": amount,
            }
            for text, quantity, price, unit, discount, rate, amount in lines
        ],
        "subtotal": d("870.00"),
        "discount_amount": d("0.00"),
        "tax_amount": d("96.90"),
        "tax_breakdown": [
            {"rate": d("17"), "category": "S", "taxable": d("570.00"), "tax": d("96.90")},
            {"rate": d("0"), "category": "Z", "taxable": d("300.00"), "tax": d("0.00")},
        ],
        "total": d("966.90"),
        "amount_paid": d("100.00"),
        "amount_credited": d("0.00"),
        "amount_due": d("866.90"),
        "notes": {"en": "Thank you!", "he": "תודה רבה!", "el": "Ευχαριστούμε!"}[language],
        "payment_method_id": "pm1",
        "biller_id": None,
        "locale": _LOCALES[language],
    }
    return Printable(document, _ACCOUNT, {"tax_id": "516000000"})


def png(pdf: bytes) -> Image.Image:
    """The first page, as pdftoppm draws it at DPI."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "document.pdf"
        source.write_bytes(pdf)
        command = ["pdftoppm", "-r", str(DPI), "-png", "-singlefile", str(source), f"{folder}/page"]
        subprocess.run(  # noqa: S603 (poppler's pdftoppm, found on PATH, on a file written here)
            command,
            check=True,
            timeout=60,
        )
        return Image.open(io.BytesIO((Path(folder) / "page.png").read_bytes())).convert("RGB")


def reference_path(language: str) -> Path:
    return REFERENCES / f"invoice-{language}.png"


def main() -> None:
    for language in _WORDS:
        png(render_pdf(printable(language))).save(reference_path(language), optimize=True)
        print("wrote", reference_path(language), file=sys.stderr)


if __name__ == "__main__":
    main()
