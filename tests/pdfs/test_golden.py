"""The golden invoices (tests/pdfs/golden.py) still print as their references in docs/images/:
a change to the templates, the fonts or the renderer that moves what is printed shows here."""

import pytest
from PIL import Image, ImageChops

from faktura.pdfs.render import render_pdf
from tests.pdfs.golden import png, printable, reference_path

# Pixels (of 827 × 1170) that may differ by more than a quarter of full scale: room for
# anti-aliasing differences between builds of the rasterizer; one changed digit of the number
# or of an amount moves 20 to 30 of them, a moved line or another font thousands.
TOLERANCE = 6
STRONG = 64


def _strongly_different(drawn: Image.Image, reference: Image.Image) -> int:
    difference = ImageChops.difference(drawn, reference).convert("L")
    return difference.point(lambda value: 255 if value > STRONG else 0).histogram()[255]


@pytest.mark.parametrize("language", ["en", "he", "el"])
def test_the_golden_invoice_prints_as_its_reference(language: str) -> None:
    drawn = png(render_pdf(printable(language)))
    reference = Image.open(reference_path(language)).convert("RGB")

    assert drawn.size == reference.size
    assert _strongly_different(drawn, reference) <= TOLERANCE


def test_rendering_the_same_document_twice_gives_the_same_bytes() -> None:
    assert render_pdf(printable("he")) == render_pdf(printable("he"))
