"""A document as a UBL 2.1 Invoice or CreditNote, Peppol BIS Billing 3.0 identifiers, EN 16931
content. Built from the API's own JSON of the document, its account and its customer, so the
figures are the ones the API answers; `checks.missing_terms` has vouched for them first."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from lxml import etree

from faktura.einvoice.figures import (
    allowances,
    amount_text,
    line_price,
    net_amounts,
    payment_terms,
    reasons,
    unit_code,
)

CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
_ROOTS = {
    "invoice": ("Invoice", "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"),
    "credit_note": ("CreditNote", "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"),
}
_NO_RATE = frozenset({"O"})  # BR-O-05: "not subject to VAT" carries no rate


class _Builder:
    def __init__(self, currency: str):
        self.currency = currency

    def cbc(self, parent: Any, name: str, text: object = None, **attributes: str) -> Any:
        element = etree.SubElement(parent, f"{{{_CBC}}}{name}", attributes)
        if text is not None:
            element.text = str(text)
        return element

    def cac(self, parent: Any, name: str) -> Any:
        return etree.SubElement(parent, f"{{{_CAC}}}{name}")

    def amount(self, parent: Any, name: str, value: Decimal | str) -> Any:
        return self.cbc(parent, name, amount_text(value, self.currency), currencyID=self.currency)

    def tax_category(
        self, parent: Any, name: str, category: str, rate: Any, reason: str | None = None
    ) -> None:
        element = self.cac(parent, name)
        self.cbc(element, "ID", category)
        if category not in _NO_RATE and rate is not None:
            self.cbc(element, "Percent", Decimal(rate).normalize() if rate else Decimal(0))
        if reason:
            self.cbc(element, "TaxExemptionReason", reason)
        self.cbc(self.cac(element, "TaxScheme"), "ID", "VAT")

    def party(self, parent: Any, role: str, name: str, who: Mapping[str, Any]) -> None:
        """A seller or buyer: `who` is the API's JSON of the account or the customer."""
        address, vat_id = who.get("address") or {}, who.get("tax_id")
        party = self.cac(self.cac(parent, role), "Party")
        endpoint = who.get("electronic_address")
        if endpoint:
            self.cbc(party, "EndpointID", endpoint["id"], schemeID=endpoint["scheme"])
        postal = self.cac(party, "PostalAddress")
        for field, tag in (("street", "StreetName"), ("city", "CityName"), ("zip", "PostalZone")):
            if address.get(field):
                self.cbc(postal, tag, address[field])
        self.cbc(self.cac(postal, "Country"), "IdentificationCode", address.get("country"))
        if vat_id:
            scheme = self.cac(party, "PartyTaxScheme")
            self.cbc(scheme, "CompanyID", vat_id)
            self.cbc(self.cac(scheme, "TaxScheme"), "ID", "VAT")
        self.cbc(self.cac(party, "PartyLegalEntity"), "RegistrationName", name)


def ubl_of(
    document: Mapping[str, Any],
    account: Mapping[str, Any],
    customer: Mapping[str, Any],
    related_number: str | None = None,
) -> bytes:
    """The UBL XML bytes of an issued invoice or credit note."""
    currency = document["currency"]
    build = _Builder(currency)
    root_name, namespace = _ROOTS[document["type"]]
    credit = document["type"] == "credit_note"
    root = etree.Element(
        f"{{{namespace}}}{root_name}", nsmap={None: namespace, "cac": _CAC, "cbc": _CBC}
    )
    build.cbc(root, "CustomizationID", CUSTOMIZATION)
    build.cbc(root, "ProfileID", PROFILE)
    build.cbc(root, "ID", document["number"])
    build.cbc(root, "IssueDate", document["issue_date"])
    if not credit and document.get("due_date"):
        build.cbc(root, "DueDate", document["due_date"])
    build.cbc(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode", 381 if credit else 380)
    if document.get("notes"):
        build.cbc(root, "Note", document["notes"])
    build.cbc(root, "DocumentCurrencyCode", currency)
    if document.get("buyer_reference"):
        build.cbc(root, "BuyerReference", document["buyer_reference"])
    if document.get("purchase_order"):
        build.cbc(build.cac(root, "OrderReference"), "ID", document["purchase_order"])
    if credit and related_number:
        reference = build.cac(build.cac(root, "BillingReference"), "InvoiceDocumentReference")
        build.cbc(reference, "ID", related_number)
    seller = account.get("legal_name") or account["name"]
    build.party(root, "AccountingSupplierParty", seller, account)
    build.party(root, "AccountingCustomerParty", document["customer_name"], customer)
    if credit and document.get("due_date"):
        terms = build.cac(root, "PaymentMeans")
        build.cbc(terms, "PaymentMeansCode", "1")
        build.cbc(terms, "PaymentDueDate", document["due_date"])
    if not document.get("due_date") and Decimal(document["amount_due"]) > 0:
        # BR-CO-25: something due needs a due date or terms
        build.cbc(build.cac(root, "PaymentTerms"), "Note", payment_terms(document, related_number))
    exemptions = reasons(document)
    discounts = allowances(document)
    for row, share in discounts:
        allowance = build.cac(root, "AllowanceCharge")
        build.cbc(allowance, "ChargeIndicator", "false")
        build.cbc(allowance, "AllowanceChargeReason", "Discount")
        build.amount(allowance, "Amount", share)
        build.tax_category(allowance, "TaxCategory", row["category"], row["rate"])
    tax_total = build.cac(root, "TaxTotal")
    build.amount(tax_total, "TaxAmount", document["tax_amount"])
    for row in document["tax_breakdown"]:
        subtotal = build.cac(tax_total, "TaxSubtotal")
        build.amount(subtotal, "TaxableAmount", row["taxable"])
        build.amount(subtotal, "TaxAmount", row["tax"])
        build.tax_category(
            subtotal, "TaxCategory", row["category"], row["rate"], exemptions.get(row["category"])
        )
    line_nets = net_amounts(document)
    nets = sum(line_nets, Decimal(0))
    discount = sum((share for _, share in discounts), Decimal(0))
    totals = build.cac(root, "LegalMonetaryTotal")
    build.amount(totals, "LineExtensionAmount", nets)
    build.amount(totals, "TaxExclusiveAmount", nets - discount)
    build.amount(totals, "TaxInclusiveAmount", document["total"])
    if discount:
        build.amount(totals, "AllowanceTotalAmount", discount)
    prepaid = Decimal(document["total"]) - Decimal(document["amount_due"])
    if prepaid:
        build.amount(totals, "PrepaidAmount", prepaid)
    build.amount(totals, "PayableAmount", document["amount_due"])
    for index, line in enumerate(document["line_items"], start=1):
        _line(build, root, line, line_nets[index - 1], index, credit)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _line(
    build: _Builder, root: Any, line: Mapping[str, Any], net: Decimal, index: int, credit: bool
) -> None:
    element = build.cac(root, "CreditNoteLine" if credit else "InvoiceLine")
    build.cbc(element, "ID", index)
    quantity = Decimal(line["quantity"]).normalize()
    build.cbc(
        element,
        "CreditedQuantity" if credit else "InvoicedQuantity",
        f"{quantity:f}",
        unitCode=unit_code(line.get("unit")),
    )
    build.amount(element, "LineExtensionAmount", net)
    unit_price, discount = line_price(line, net, build.currency)
    if discount > 0:
        allowance = build.cac(element, "AllowanceCharge")
        build.cbc(allowance, "ChargeIndicator", "false")
        build.cbc(allowance, "AllowanceChargeReason", "Discount")
        build.amount(allowance, "Amount", discount)
    item = build.cac(element, "Item")
    build.cbc(item, "Name", line["description"][:200])
    build.tax_category(item, "ClassifiedTaxCategory", line["vat_category"], line["vat_rate"])
    price = build.cac(element, "Price")
    build.cbc(
        price,
        "PriceAmount",
        f"{unit_price:f}",
        currencyID=build.currency,
    )
