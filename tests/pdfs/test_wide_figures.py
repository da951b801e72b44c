"""Figures too wide for their column break inside it, never over the next column: the VAT
breakdown and the totals have fixed column widths."""

import io
from dataclasses import replace

import pdfplumber
import pytest

from faktura.pdfs.render import render_pdf
from tests.pdfs.golden import printable

TAXABLE, TAX = "1234567890.12", "234567890.12"


def _words_with(pdf: bytes, text: str) -> list[dict[str, float]]:
    """The words of the first page that contain `text`."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        words = document.pages[0].extract_words(keep_blank_chars=False)
    return [word for word in words if text in word["text"]]


@pytest.mark.parametrize(
    ("language", "locale"), [("en", "en-GB"), ("el", "de-DE"), ("he", "he-IL")]
)
def test_a_billion_in_the_vat_breakdown_stays_in_its_column(language: str, locale: str) -> None:
    invoice = printable(language)
    document = {
        **invoice.document,
        "currency": "CHF",
        "locale": locale,
        "tax_breakdown": [
            {**row, "taxable": TAXABLE, "tax": TAX} for row in invoice.document["tax_breakdown"]
        ],
    }

    pdf = render_pdf(replace(invoice, document=document))

    # de-DE writes 1.234.567.890,12 CHF; en-GB CHF1,234,567,890.12; he-IL CHF 1,234,567,890.12.
    amounts = _words_with(pdf, "567")
    rows = sorted({round(word["top"]) for word in amounts})
    assert len(rows) == 2  # one row per rate
    for top in rows:
        on_row = sorted(
            (word for word in amounts if round(word["top"]) == top),
            key=lambda word: word["x0"],
        )
        assert len(on_row) == 2, on_row  # the taxable amount and the VAT
        left, right = on_row
        assert left["x1"] < right["x0"], (left, right)
