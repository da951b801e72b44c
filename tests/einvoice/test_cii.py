"""CII exports: the same matrix as the UBL's, under the official EN 16931 and Peppol BIS 3
rules for CII, with the API's totals."""

from decimal import Decimal
from typing import Any

import facturx
import pytest
from lxml import etree

from tests.accounts.factories import ApiClient
from tests.documents.factories import create_document, exact
from tests.einvoice.test_ubl import MATRIX, _buyer, _lines, _seller, matrix_invoice
from tests.payments.factories import pay

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}
TOTALS = (
    "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/"
    "ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:"
)


async def _cii(api: ApiClient, document: dict[str, Any], path: str = "invoices") -> bytes:
    response = await api.get(f"/v1/{path}/{document['id']}/einvoice?format=cii")
    assert response.status_code == 200, response.text
    assert facturx.xml_check_xsd(response.content, flavor="factur-x", level="en16931")
    return response.content


def _assert_totals(data: bytes, document: dict[str, Any]) -> None:
    xml = etree.fromstring(data)

    def amount(name: str) -> Decimal:
        return Decimal(xml.findtext(TOTALS + name, namespaces=NS))

    assert amount("GrandTotalAmount") == document["total"]
    assert amount("DuePayableAmount") == document["amount_due"]
    assert amount("TaxTotalAmount") == document["tax_amount"]
    assert amount("TaxBasisTotalAmount") == document["total"] - document["tax_amount"]
    lines = xml.findall(
        "rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem/"
        "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/"
        "ram:LineTotalAmount",
        NS,
    )
    assert [Decimal(x.text) for x in lines] == [i["amount"] for i in document["line_items"]]


@pytest.mark.parametrize("case", list(MATRIX))
async def test_every_cii_export_passes_the_rules_with_the_apis_totals(
    api: ApiClient, bis3_cii: Any, case: str
) -> None:
    invoice = await matrix_invoice(api, case, buyer_reference="DEPT-42")

    data = await _cii(api, invoice)

    result = bis3_cii.validate_bytes(data)
    assert result.ok, result.report()
    _assert_totals(data, exact(await api.get(f"/v1/invoices/{invoice['id']}")))


async def test_a_partly_paid_invoice_and_its_credit_note_in_cii(
    api: ApiClient, bis3_cii: Any
) -> None:
    rates = await _seller(api)
    customer_id = await _buyer(api)
    invoice = await create_document(
        api,
        customer_id=customer_id,
        currency="EUR",
        line_items=_lines(rates, ("Standard", "10", "100.00")),
        purchase_order="PO-4711",
    )
    await pay(api, amount="500.00", invoice_id=invoice["id"])
    credit_note = await create_document(
        api,
        "credit_notes",
        customer_id=customer_id,
        related_document_id=invoice["id"],
        line_items=_lines(rates, ("Standard", "1", "100.00")),
        buyer_reference="DEPT-42",
    )

    for document, path in ((invoice, "invoices"), (credit_note, "credit_notes")):
        data = await _cii(api, document, path)
        result = bis3_cii.validate_bytes(data)
        assert result.ok, result.report()
        _assert_totals(data, exact(await api.get(f"/v1/{path}/{document['id']}")))
