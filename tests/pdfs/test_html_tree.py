"""The renderer reads the template's HTML with expat (render.html_tree) instead of WeasyPrint's
HTML5 parser: the tree must be the very one the HTML5 parser makes, or the PDF could change."""

from dataclasses import replace
from typing import Any
from xml.etree.ElementTree import Element

import pytest
import tinyhtml5

from faktura.pdfs.printable import Logo, Printable
from faktura.pdfs.render import html_of, html_tree
from tests.pdfs.factories import image
from tests.pdfs.golden import printable


def _shape(element: Element) -> Any:
    children = [_shape(child) for child in element]
    return (element.tag, dict(element.attrib), element.text, element.tail, children)


def _html5(html: str) -> Any:
    return _shape(tinyhtml5.parse(html, namespace_html_elements=False))


def _document(language: str, **changes: Any) -> Printable:
    base = printable(language)
    return replace(base, document={**base.document, **changes})


DOCUMENTS = {
    "en": printable("en"),
    "he": printable("he"),
    "el": printable("el"),
    "draft quote": _document("en", type="quote", number=None, status="cancelled"),
    "receipt": replace(
        _document("he", type="receipt", tax_breakdown=[], notes=None),
        payment={"reference": "PAY-7", "method": "Cash", "date": "2026-12-01"},
    ),
    "myDATA QR code": _document(
        "el",
        clearance={
            "status": "cleared",
            "provider": "mydata",
            "reference": "400001234567890",
            "qr_url": "https://www1.aade.gr/tameiakes/myweb/q1.php?SIG=ABC",
        },
    ),
    "logo and layout": replace(
        printable("en"),
        logo=Logo(image(), "image/png"),
        account={**printable("en").account, "branding": {"layout": "modern", "footer": "a\nb"}},
    ),
}


@pytest.mark.parametrize("name", DOCUMENTS)
def test_the_tree_is_the_html5_parsers(name: str) -> None:
    html = html_of(DOCUMENTS[name])

    tree = html_tree(html)

    assert tree is not None
    assert _shape(tree) == _html5(html)


@pytest.mark.parametrize(
    "text", ["a\r\nb\rc", "<![CDATA[x]]>", "&nbsp;", "--><!--", "\u0085\u2028\x7f", "😀 é\u0301"]
)
def test_strange_user_text_gives_the_same_tree(text: str) -> None:
    html = html_of(_document("en", notes=text, customer_name=text))

    tree = html_tree(html)

    assert tree is not None
    assert _shape(tree) == _html5(html)


@pytest.mark.parametrize("text", ["\x0c", "nul\x00", "\x1b[0m", "\ufffe"])
def test_text_that_is_not_xml_is_left_to_the_html5_parser(text: str) -> None:
    assert html_tree(html_of(_document("en", notes=text))) is None


def test_a_line_break_in_an_attribute_is_left_to_the_html5_parser() -> None:
    # expat would read the seller's name in <meta name="author"> with a space for the break.
    document = printable("en")
    account = {**document.account, "legal_name": "Faktura\nDemo Ltd"}

    assert html_tree(html_of(replace(document, account=account))) is None
