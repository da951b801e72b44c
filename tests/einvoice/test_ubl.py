"""UBL exports of issued invoices and credit notes: 0 fatal findings under the official EN 16931
rules across a matrix of documents, totals equal to the API's, and a clear 422 naming each
business term a document lacks."""

from decimal import Decimal
from typing import Any

import facturx
import pytest
from lxml import etree

from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.customers.factories import create_customer
from tests.documents.factories import create_document, exact, line
from tests.payments.factories import pay

D = Decimal
NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
RATES = [
    {"name": "Standard", "rate": "19", "category": "S"},
    {"name": "Reduced", "rate": "7", "category": "S"},
    {"name": "Zero", "rate": "0", "category": "Z"},
    {"name": "Exempt", "rate": "0", "category": "E"},
    {"name": "Reverse charge", "rate": "0", "category": "AE"},
]


async def _seller(api: ApiClient, currency: str = "EUR") -> dict[str, str]:
    """A German seller with its VAT id and rates; the rates' ids by name."""
    response = await api.patch(
        "/v1/account",
        json={
            "legal_name": "Acme GmbH",
            "tax_id": "DE136695976",
            "address": {
                "street": "Hauptstraße 1",
                "city": "Berlin",
                "zip": "10115",
                "country": "DE",
            },
            "electronic_address": {"scheme": "9930", "id": "DE136695976"},
            "default_currency": currency,
            "vat_rates": RATES,
        },
    )
    assert response.status_code == 200, response.text
    return {rate["name"]: rate["id"] for rate in response.json()["vat_rates"]}


async def _buyer(api: ApiClient, name: str = "Globex SARL", **overrides: Any) -> str:
    customer = await create_customer(
        api,
        company_name=name,
        tax_id="FR40303265045",
        address={"street": "1 rue de la Paix", "city": "Paris", "zip": "75002", "country": "FR"},
        electronic_address={"scheme": "9957", "id": "FR40303265045"},
        **overrides,
    )
    return str(customer["id"])


def _lines(rates: dict[str, str], *specs: tuple[str, str, str]) -> list[dict[str, Any]]:
    lines = []
    for rate, quantity, price in specs:
        extra: dict[str, Any] = {"vat_rate_id": rates[rate], "quantity": quantity}
        if rate == "Exempt":
            extra["vat_exemption_reason"] = "Medical services, Art. 132 1(c) 2006/112/EC"
        if rate == "Reverse charge":
            extra["vat_exemption_reason"] = "Reverse charge"
        lines.append(line(description=f"{rate} work", unit_price=price, unit="hour", **extra))
    return lines


async def _export(api: ApiClient, document: dict[str, Any], path: str = "invoices") -> bytes:
    response = await api.get(f"/v1/{path}/{document['id']}/einvoice?format=ubl")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/xml"
    flavor = "ubl-2.1-creditnote" if path == "credit_notes" else "ubl-2.1-invoice"
    assert facturx.xml_check_xsd(response.content, flavor=flavor)  # the UBL 2.1 XSD
    return response.content


def _amount(xml: Any, path: str) -> Decimal:
    return Decimal(xml.findtext(path, namespaces=NS))


def _assert_totals(data: bytes, document: dict[str, Any]) -> None:
    """The export's figures are the API's, field by field."""
    xml = etree.fromstring(data)
    totals = "cac:LegalMonetaryTotal/cbc:"
    assert _amount(xml, totals + "TaxInclusiveAmount") == document["total"]
    assert _amount(xml, totals + "PayableAmount") == document["amount_due"]
    assert _amount(xml, "cac:TaxTotal/cbc:TaxAmount") == document["tax_amount"]
    assert _amount(xml, totals + "TaxExclusiveAmount") == document["total"] - document["tax_amount"]
    lines = xml.findall("cac:InvoiceLine", NS) or xml.findall("cac:CreditNoteLine", NS)
    assert [_amount(x, "cbc:LineExtensionAmount") for x in lines] == [
        item["amount"] for item in document["line_items"]
    ]
    breakdown = [
        (
            s.findtext("cac:TaxCategory/cbc:ID", namespaces=NS),
            _amount(s, "cbc:TaxableAmount"),
            _amount(s, "cbc:TaxAmount"),
        )
        for s in xml.findall("cac:TaxTotal/cac:TaxSubtotal", NS)
    ]
    assert breakdown == [(r["category"], r["taxable"], r["tax"]) for r in document["tax_breakdown"]]


MATRIX = {
    "one rate": {"lines": [("Standard", "3", "120.00")]},
    "several rates, zero rated and exempt": {
        "lines": [
            ("Standard", "2", "99.99"),
            ("Reduced", "5", "12.35"),
            ("Zero", "1", "40.00"),
            ("Exempt", "1", "250.00"),
        ]
    },
    "reverse charge": {"lines": [("Reverse charge", "10", "85.00")]},
    "document discount": {
        "lines": [("Standard", "4", "100.00"), ("Reduced", "2", "50.00")],
        "discount_amount": "25.00",
    },
    "line discounts": {
        "lines": [("Standard", "3", "33.33"), ("Reduced", "7", "9.99")],
        "line_discounts": [{"percent": "10"}, {"amount": "5.00"}],
    },
    "a Hebrew customer": {"lines": [("Standard", "1", "500.00")], "buyer": "חברת הדוגמה בע״מ"},
    "a Greek customer": {"lines": [("Standard", "1", "500.00")], "buyer": "Παράδειγμα Α.Ε."},
}


async def matrix_invoice(api: ApiClient, case: str, **references: str) -> dict[str, Any]:
    """The issued invoice of a MATRIX case, from a German seller to a French buyer."""
    spec = MATRIX[case]
    rates = await _seller(api)
    customer_id = await _buyer(api, spec.get("buyer", "Globex SARL"))
    lines = _lines(rates, *spec["lines"])
    for item, discount in zip(lines, spec.get("line_discounts", []), strict=False):
        item["discount"] = discount
    extra = {"discount_amount": spec["discount_amount"]} if "discount_amount" in spec else {}
    return await create_document(
        api, customer_id=customer_id, currency="EUR", line_items=lines, **references, **extra
    )


@pytest.mark.parametrize("case", list(MATRIX))
async def test_every_export_passes_the_en16931_rules_with_the_apis_totals(
    api: ApiClient, bis3_ubl: Any, facturx_ubl: Any, case: str
) -> None:
    invoice = await matrix_invoice(api, case, buyer_reference="DEPT-42", purchase_order="PO-4711")

    data = await _export(api, invoice)

    for rules in (bis3_ubl, facturx_ubl):
        result = rules.validate_bytes(data)
        assert result.ok, result.report()
    _assert_totals(data, exact(await api.get(f"/v1/invoices/{invoice['id']}")))


async def test_a_partly_paid_invoice_and_its_credit_note(api: ApiClient, bis3_ubl: Any) -> None:
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

    invoice_xml = await _export(api, invoice)
    credit_xml = await _export(api, credit_note, "credit_notes")

    for data in (invoice_xml, credit_xml):
        result = bis3_ubl.validate_bytes(data)
        assert result.ok, result.report()
    invoice = exact(await api.get(f"/v1/invoices/{invoice['id']}"))
    _assert_totals(invoice_xml, invoice)
    _assert_totals(credit_xml, exact(await api.get(f"/v1/credit_notes/{credit_note['id']}")))
    prepaid = _amount(etree.fromstring(invoice_xml), "cac:LegalMonetaryTotal/cbc:PrepaidAmount")
    assert prepaid == invoice["total"] - invoice["amount_due"]
    referenced = etree.fromstring(credit_xml).findtext(
        "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", namespaces=NS
    )
    assert referenced == invoice["number"]


async def test_a_yen_invoice_has_no_decimals(api: ApiClient, bis3_ubl: Any) -> None:
    rates = await _seller(api, "JPY")
    customer_id = await _buyer(api)
    invoice = await create_document(
        api,
        customer_id=customer_id,
        currency="JPY",
        line_items=_lines(rates, ("Standard", "3", "1999")),
        buyer_reference="DEPT-42",
    )

    data = await _export(api, invoice)

    result = bis3_ubl.validate_bytes(data)
    assert result.ok, result.report()
    xml = etree.fromstring(data)
    assert (
        xml.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=NS) == "7136"
    )  # 5,997 + 1,139 VAT (1,139.43)


async def test_missing_terms_are_named_and_nothing_is_exported(api: ApiClient) -> None:
    rates = await _seller(api)
    await api.patch("/v1/account", json={"tax_id": None, "electronic_address": None})
    customer = await create_customer(api, company_name="No VAT id Ltd")
    invoice = await create_document(
        api,
        customer_id=customer["id"],
        currency="EUR",
        line_items=_lines(rates, ("Reverse charge", "1", "100.00")),
    )

    refused = await api.get(f"/v1/invoices/{invoice['id']}/einvoice?format=ubl")
    checked = exact(await api.get(f"/v1/invoices/{invoice['id']}/einvoice/check"))

    error = assert_error(refused, 422, "validation_error")
    expected = [
        {"field": "account.tax_id", "message": "BT-31 seller VAT identifier: set account.tax_id"},
        {
            "field": "account.electronic_address",
            "message": "BT-34 seller electronic address (Peppol): set account.electronic_address",
        },
        {
            "field": "customer.address.country",
            "message": "BT-55 buyer country: set customer.address.country",
        },
        {
            "field": "customer.tax_id",
            "message": "BT-48 buyer VAT identifier (reverse charge): set customer.tax_id",
        },
        {
            "field": "customer.electronic_address",
            "message": "BT-49 buyer electronic address (Peppol): set customer.electronic_address",
        },
        {
            "field": "buyer_reference",
            "message": "BT-10 buyer reference or BT-13 purchase order (Peppol): set the "
            "document's buyer_reference or purchase_order",
        },
    ]
    assert error["details"] == expected
    assert checked["ready"] is False
    assert [(m["field"], m["message"]) for m in checked["missing"]] == [
        (d["field"], d["message"]) for d in expected
    ]
    assert [m["term"] for m in checked["missing"]] == [
        "BT-31",
        "BT-34",
        "BT-55",
        "BT-48",
        "BT-49",
        "BT-10",
    ]


async def test_a_draft_has_no_einvoice(api: ApiClient) -> None:
    draft = await create_document(api, status="draft", line_items=[line()], tax_amount="0")

    refused = await api.get(f"/v1/invoices/{draft['id']}/einvoice")

    assert_error(refused, 409, "invalid_state")
    assert_error(
        await api.get(f"/v1/invoices/{draft['id']}/einvoice?format=pdf"), 422, "validation_error"
    )


async def test_electronic_addresses_and_references_are_checked_and_shown(api: ApiClient) -> None:
    bad_scheme = await api.post(
        "/v1/customers",
        json={
            "company_name": "X",
            "contacts": [{"contact_name": "A", "email": "a@example.com"}],
            "electronic_address": {"scheme": "88", "id": "1"},
        },
    )
    no_id = await api.patch(
        "/v1/account", json={"electronic_address": {"scheme": "0088", "id": ""}}
    )
    long_reference = await api.post(
        "/v1/invoices",
        json={"customer_id": await _buyer(api), "amount": "10", "buyer_reference": "x" * 201},
    )

    for response, field in (
        (bad_scheme, "electronic_address.scheme"),
        (no_id, "electronic_address.id"),
        (long_reference, "buyer_reference"),
    ):
        error = assert_error(response, 422, "validation_error")
        assert [d["field"] for d in error["details"]] == [field]  # type: ignore[union-attr]
    customer = await create_customer(
        api, company_name="Y", electronic_address={"scheme": "0088", "id": "5790000436057"}
    )
    assert customer["electronic_address"] == {"scheme": "0088", "id": "5790000436057"}
    cleared = await api.patch(f"/v1/customers/{customer['id']}", json={"electronic_address": None})
    assert cleared.json()["electronic_address"] is None
    invoice = await create_document(api, customer_id=customer["id"], purchase_order="PO-1")
    issued = await api.patch(f"/v1/invoices/{invoice['id']}", json={"buyer_reference": "B-2"})
    assert (issued.json()["purchase_order"], issued.json()["buyer_reference"]) == ("PO-1", "B-2")


async def test_a_dinar_invoice_exports_when_its_amounts_fit_two_decimals(
    api: ApiClient, bis3_ubl: Any, en16931_cii: Any
) -> None:
    rates = await _seller(api, "BHD")
    customer_id = await _buyer(api)
    even = await create_document(
        api,
        customer_id=customer_id,
        currency="BHD",
        line_items=_lines(rates, ("Standard", "2", "12.500")),
        buyer_reference="DEPT-42",
    )
    odd = await create_document(
        api,
        customer_id=customer_id,
        currency="BHD",
        line_items=_lines(rates, ("Standard", "1", "12.345")),
        buyer_reference="DEPT-42",
    )

    ubl = await _export(api, even)
    cii = await api.get(f"/v1/invoices/{even['id']}/einvoice?format=cii")
    refused = await api.get(f"/v1/invoices/{odd['id']}/einvoice?format=ubl")

    assert bis3_ubl.validate_bytes(ubl).ok, bis3_ubl.validate_bytes(ubl).report()
    assert en16931_cii.validate_bytes(cii.content).ok
    xml = etree.fromstring(ubl)
    # 25.000 + 19 % VAT (4.750), written with the two decimals EN 16931 allows, nothing lost
    assert xml.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=NS) == "29.75"
    _assert_totals(ubl, exact(await api.get(f"/v1/invoices/{even['id']}")))
    error = assert_error(refused, 422, "validation_error")
    assert error["details"] == [
        {
            "field": "currency",
            "message": "BT-5 currency: EN 16931 amounts have at most 2 decimals, and this BHD "
            "document has amounts such as 12.345; they are never rounded",
        }
    ]


@pytest.mark.parametrize("discount", [None, "10.00"])
async def test_vat_included_prices_export_as_net_lines(
    api: ApiClient, bis3_ubl: Any, en16931_cii: Any, discount: str | None
) -> None:
    rates = await _seller(api)
    customer_id = await _buyer(api)
    extra = {"discount_amount": discount} if discount else {}
    invoice = await create_document(
        api,
        customer_id=customer_id,
        currency="EUR",
        vat_type="included",
        line_items=_lines(
            rates, ("Standard", "3", "33.33"), ("Standard", "1", "100.00"), ("Reduced", "7", "9.99")
        ),
        buyer_reference="DEPT-42",
        **extra,
    )
    shown = exact(await api.get(f"/v1/invoices/{invoice['id']}"))

    ubl = await _export(api, invoice)
    cii = (await api.get(f"/v1/invoices/{invoice['id']}/einvoice?format=cii")).content

    assert bis3_ubl.validate_bytes(ubl).ok, bis3_ubl.validate_bytes(ubl).report()
    assert en16931_cii.validate_bytes(cii).ok, en16931_cii.validate_bytes(cii).report()
    xml = etree.fromstring(ubl)
    totals = "cac:LegalMonetaryTotal/cbc:"
    assert _amount(xml, totals + "TaxInclusiveAmount") == shown["total"]
    assert _amount(xml, "cac:TaxTotal/cbc:TaxAmount") == shown["tax_amount"]
    assert _amount(xml, totals + "TaxExclusiveAmount") == shown["total"] - shown["tax_amount"]
    nets = [_amount(x, "cbc:LineExtensionAmount") for x in xml.findall("cac:InvoiceLine", NS)]
    allowance = Decimal(discount or 0) and _amount(xml, totals + "AllowanceTotalAmount")
    assert sum(nets) - allowance == shown["total"] - shown["tax_amount"]
