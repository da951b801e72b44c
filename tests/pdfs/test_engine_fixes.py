"""The fix Faktura carries for WeasyPrint (src/faktura/pdfs/engine_fixes.py): right-to-left lines
are laid out once, and what is printed does not change."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
from weasyprint import HTML
from weasyprint.layout import inline

from faktura.pdfs.engine_fixes import original_get_next_linebox, rtl_lines_once_applied
from faktura.pdfs.render import render_pdf
from tests.pdfs.golden import printable


@contextmanager
def engine_unfixed() -> Iterator[None]:
    fixed = inline.get_next_linebox
    inline.get_next_linebox = original_get_next_linebox()
    try:
        yield
    finally:
        inline.get_next_linebox = fixed


@contextmanager
def counted_line_layouts() -> Iterator[list[int]]:
    """How many times a line was laid out (split_inline_box on a line box)."""
    split, count = inline.split_inline_box, [0]

    def counting(context: Any, box: Any, *args: Any, **kwargs: Any) -> Any:
        if type(box).__name__ == "LineBox":
            count[0] += 1
        return split(context, box, *args, **kwargs)

    inline.split_inline_box = counting
    try:
        yield count
    finally:
        inline.split_inline_box = split


def _line_places(html: str) -> list[tuple[float, float, float]]:
    """Where each line of the first page is: x, y and width, rounded to a hundredth of a pixel."""
    page = HTML(string=html).render().pages[0]._page_box
    return [
        (round(box.position_x, 2), round(box.position_y, 2), round(box.width, 2))
        for box in page.descendants()
        if type(box).__name__ == "LineBox"
    ]


def test_the_fix_applies_to_the_installed_engine() -> None:
    assert rtl_lines_once_applied() is True
    assert inline.get_next_linebox is not original_get_next_linebox()


@pytest.mark.parametrize("direction", ["rtl", "ltr"])
def test_each_line_of_a_paragraph_is_laid_out_once_in_either_direction(direction: str) -> None:
    rtl_lines_once_applied()
    words = " ".join(["שלום עולם"] * 40)
    html = f'<p dir="{direction}" style="width: 60mm; font-size: 12pt">{words}</p>'

    with counted_line_layouts() as fixed:
        lines = len(_line_places(html))
    with engine_unfixed(), counted_line_layouts() as unfixed:
        HTML(string=html).render()

    assert lines > 5
    assert fixed[0] == lines
    assert unfixed[0] == (2 * lines if direction == "rtl" else lines)


def _hebrew_invoice_with_a_float() -> Any:
    """The golden Hebrew invoice, on two pages, with myDATA's QR code floated beside its lines."""
    base = printable("he")
    first = base.document["line_items"][0]
    items = [{**first, "description": f"{first['description']} {n}"} for n in range(45)]
    clearance = {
        "status": "cleared",
        "provider": "mydata",
        "reference": "400001234567890",
        "qr_url": "https://mydataapi.aade.gr/TimologioQR/QRInfo?q=abc",
    }
    document = {**base.document, "line_items": items, "clearance": clearance}
    return replace(base, document=document)


@pytest.mark.parametrize("language", ["he", "en"])
def test_documents_print_the_same_bytes_with_and_without_the_fix(language: str) -> None:
    rtl_lines_once_applied()
    invoice = _hebrew_invoice_with_a_float() if language == "he" else printable("en")

    fixed = render_pdf(invoice)
    with engine_unfixed():
        unfixed = render_pdf(invoice)

    assert fixed == unfixed


# Right-to-left lines beside floats: a line taller than its first estimate (the large span) is
# pushed below a float it would have overlapped, which is the case the second pass is for.
_BESIDE_FLOATS = [
    '<div dir="rtl" style="width: 80mm; font-size: 10pt"><div style="height: 10mm"></div>'
    '<div style="float: left; width: 50mm; height: 30mm"></div>'
    '<p style="margin: -6mm 0 0"><span style="font-size: 30pt">גד</span> '
    + " ".join(["שלום"] * 60)
    + "</p></div>",
    '<div dir="rtl" style="width: 70mm"><div style="float: right; width: 30mm; height: 20mm"></div>'
    '<div style="float: left; width: 15mm; height: 35mm"></div>'
    + "<p>"
    + " ".join(["חשבונית 2026 Acme"] * 25)
    + "</p></div>",
]


@pytest.mark.parametrize("html", _BESIDE_FLOATS)
def test_lines_beside_floats_are_where_the_engine_put_them(html: str) -> None:
    rtl_lines_once_applied()

    fixed = _line_places(html)
    with engine_unfixed():
        unfixed = _line_places(html)

    assert len(fixed) > 5
    assert fixed == unfixed
