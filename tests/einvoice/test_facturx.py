"""Factur-X: the invoice's archived PDF as PDF/A-3 carrying its CII, as the factur-x library
reads and checks it, and still the same visible invoice."""

import io
import subprocess
from typing import Any

import facturx
from lxml import etree
from pypdf import PdfReader

from tests.accounts.factories import ApiClient
from tests.documents.factories import create_document
from tests.einvoice.test_cii import NS
from tests.einvoice.test_ubl import _buyer, _lines, _seller


async def test_a_facturx_pdf_carries_its_cii_and_shows_the_same_invoice(
    api: ApiClient, en16931_cii: Any, facturx_cii: Any
) -> None:
    rates = await _seller(api)
    customer_id = await _buyer(api)
    invoice = await create_document(
        api,
        customer_id=customer_id,
        currency="EUR",
        line_items=_lines(rates, ("Standard", "3", "120.00"), ("Reduced", "2", "15.50")),
        purchase_order="PO-4711",
        locale="de-DE",
    )
    cii = (await api.get(f"/v1/invoices/{invoice['id']}/einvoice?format=cii")).content

    response = await api.get(f"/v1/invoices/{invoice['id']}/einvoice?format=facturx")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.content
    filename, embedded = facturx.get_xml_from_pdf(pdf, check_xsd=True)
    assert filename == "factur-x.xml"
    # The CII export but for its context: the plain EN 16931 guideline Factur-X asks for.
    assert _without_context(embedded) == _without_context(cii)
    context = "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"
    assert etree.fromstring(embedded).findtext(context, namespaces=NS) == "urn:cen.eu:en16931:2017"
    assert facturx.get_level(etree.fromstring(embedded)) == "en16931"
    for rules in (en16931_cii, facturx_cii):
        result = rules.validate_bytes(embedded)
        assert result.ok, result.report()
    reader = PdfReader(io.BytesIO(pdf))
    metadata = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in metadata
    assert "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>" in metadata
    assert "<pdfaid:part>3</pdfaid:part>" in metadata
    archived = (await api.get(f"/v1/invoices/{invoice['id']}/pdf")).content
    assert _text(pdf) == _text(archived)  # the same visible invoice
    assert invoice["number"] in _text(pdf)


def _without_context(xml: bytes) -> bytes:
    tree = etree.fromstring(xml)
    tree.remove(tree.find("rsm:ExchangedDocumentContext", NS))
    return bytes(etree.tostring(tree, method="c14n"))


def _text(pdf: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"],  # noqa: S607
        input=pdf,
        capture_output=True,
        check=True,
    )
    return done.stdout.decode()
