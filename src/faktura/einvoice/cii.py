"""A document as a UN/CEFACT Cross Industry Invoice (D16B), EN 16931 content: for Peppol
exchanges (BIS Billing 3.0 identifiers) or embedded in Factur-X (the plain EN 16931
guideline). Built, like the UBL, from the API's JSON of the document, its account and its
customer."""

from collections.abc import Mapping
from datetime import date
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
from faktura.einvoice.ubl import CUSTOMIZATION, PROFILE

GUIDELINE = "urn:cen.eu:en16931:2017"
_RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
_RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
_UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
_QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
_NO_RATE = frozenset({"O"})


class _Builder:
    def __init__(self, currency: str):
        self.currency = currency

    def ram(self, parent: Any, name: str, text: object = None, **attributes: str) -> Any:
        element = etree.SubElement(parent, f"{{{_RAM}}}{name}", attributes)
        if text is not None:
            element.text = str(text)
        return element

    def amount(self, parent: Any, name: str, value: Decimal | str, **attributes: str) -> Any:
        return self.ram(parent, name, amount_text(value, self.currency), **attributes)

    def day(self, parent: Any, name: str, value: str) -> None:
        stamp = etree.SubElement(self.ram(parent, name), f"{{{_UDT}}}DateTimeString", format="102")
        stamp.text = date.fromisoformat(value).strftime("%Y%m%d")

    def indicator(self, parent: Any, value: bool) -> None:
        flag = etree.SubElement(self.ram(parent, "ChargeIndicator"), f"{{{_UDT}}}Indicator")
        flag.text = "true" if value else "false"

    def tax(
        self,
        parent: Any,
        name: str,
        category: str,
        rate: Any,
        *,
        calculated: Decimal | str | None = None,
        basis: Decimal | str | None = None,
        reason: str | None = None,
    ) -> None:
        element = self.ram(parent, name)
        if calculated is not None:
            self.amount(element, "CalculatedAmount", calculated)
        self.ram(element, "TypeCode", "VAT")
        if reason:
            self.ram(element, "ExemptionReason", reason)
        if basis is not None:
            self.amount(element, "BasisAmount", basis)
        self.ram(element, "CategoryCode", category)
        if category not in _NO_RATE and rate is not None:
            self.ram(element, "RateApplicablePercent", Decimal(rate).normalize() if rate else 0)

    def party(self, parent: Any, role: str, name: str, who: Mapping[str, Any]) -> None:
        """A seller or buyer: `who` is the API's JSON of the account or the customer."""
        party = self.ram(parent, role)
        self.ram(party, "Name", name)
        address = who.get("address") or {}
        postal = self.ram(party, "PostalTradeAddress")
        if address.get("zip"):
            self.ram(postal, "PostcodeCode", address["zip"])
        if address.get("street"):
            self.ram(postal, "LineOne", address["street"])
        if address.get("city"):
            self.ram(postal, "CityName", address["city"])
        self.ram(postal, "CountryID", address.get("country"))
        endpoint = who.get("electronic_address")
        if endpoint:
            uri = self.ram(party, "URIUniversalCommunication")
            self.ram(uri, "URIID", endpoint["id"], schemeID=endpoint["scheme"])
        if who.get("tax_id"):
            registration = self.ram(party, "SpecifiedTaxRegistration")
            self.ram(registration, "ID", who["tax_id"], schemeID="VA")


def cii_of(
    document: Mapping[str, Any],
    account: Mapping[str, Any],
    customer: Mapping[str, Any],
    related_number: str | None = None,
    *,
    peppol: bool = True,
) -> bytes:
    """The CII XML bytes of an issued invoice or credit note: with Peppol BIS Billing 3.0's
    identifiers, or (`peppol=False`, what Factur-X embeds) the plain EN 16931 guideline."""
    currency = document["currency"]
    build = _Builder(currency)
    credit = document["type"] == "credit_note"
    root = etree.Element(
        f"{{{_RSM}}}CrossIndustryInvoice",
        nsmap={"rsm": _RSM, "ram": _RAM, "udt": _UDT, "qdt": _QDT},
    )
    context = etree.SubElement(root, f"{{{_RSM}}}ExchangedDocumentContext")
    if peppol:
        process = build.ram(context, "BusinessProcessSpecifiedDocumentContextParameter")
        build.ram(process, "ID", PROFILE)
    guideline = CUSTOMIZATION if peppol else GUIDELINE
    build.ram(build.ram(context, "GuidelineSpecifiedDocumentContextParameter"), "ID", guideline)
    header = etree.SubElement(root, f"{{{_RSM}}}ExchangedDocument")
    build.ram(header, "ID", document["number"])
    build.ram(header, "TypeCode", 381 if credit else 380)
    build.day(header, "IssueDateTime", document["issue_date"])
    if document.get("notes"):
        build.ram(build.ram(header, "IncludedNote"), "Content", document["notes"])
    transaction = etree.SubElement(root, f"{{{_RSM}}}SupplyChainTradeTransaction")
    line_nets = net_amounts(document)
    for index, line in enumerate(document["line_items"], start=1):
        _line(build, transaction, line, line_nets[index - 1], index)
    agreement = build.ram(transaction, "ApplicableHeaderTradeAgreement")
    if document.get("buyer_reference"):
        build.ram(agreement, "BuyerReference", document["buyer_reference"])
    seller = account.get("legal_name") or account["name"]
    build.party(agreement, "SellerTradeParty", seller, account)
    build.party(agreement, "BuyerTradeParty", document["customer_name"], customer)
    if document.get("purchase_order"):
        order = build.ram(agreement, "BuyerOrderReferencedDocument")
        build.ram(order, "IssuerAssignedID", document["purchase_order"])
    build.ram(transaction, "ApplicableHeaderTradeDelivery")
    settlement = build.ram(transaction, "ApplicableHeaderTradeSettlement")
    build.ram(settlement, "InvoiceCurrencyCode", currency)
    exemptions = reasons(document)
    for row in document["tax_breakdown"]:
        build.tax(
            settlement,
            "ApplicableTradeTax",
            row["category"],
            row["rate"],
            calculated=row["tax"],
            basis=row["taxable"],
            reason=exemptions.get(row["category"]),
        )
    discounts = allowances(document)
    for row, share in discounts:
        allowance = build.ram(settlement, "SpecifiedTradeAllowanceCharge")
        build.indicator(allowance, False)
        build.amount(allowance, "ActualAmount", share)
        build.ram(allowance, "Reason", "Discount")
        build.tax(allowance, "CategoryTradeTax", row["category"], row["rate"])
    if document.get("due_date"):
        terms = build.ram(settlement, "SpecifiedTradePaymentTerms")
        build.day(terms, "DueDateDateTime", document["due_date"])
    elif Decimal(document["amount_due"]) > 0:  # BR-CO-25: something due needs terms
        terms = build.ram(settlement, "SpecifiedTradePaymentTerms")
        build.ram(terms, "Description", payment_terms(document, related_number))
    nets = sum(line_nets, Decimal(0))
    discount = sum((share for _, share in discounts), Decimal(0))
    totals = build.ram(settlement, "SpecifiedTradeSettlementHeaderMonetarySummation")
    build.amount(totals, "LineTotalAmount", nets)
    if discount:
        build.amount(totals, "AllowanceTotalAmount", discount)
    build.amount(totals, "TaxBasisTotalAmount", nets - discount)
    build.amount(totals, "TaxTotalAmount", document["tax_amount"], currencyID=currency)
    build.amount(totals, "GrandTotalAmount", document["total"])
    prepaid = Decimal(document["total"]) - Decimal(document["amount_due"])
    if prepaid:
        build.amount(totals, "TotalPrepaidAmount", prepaid)
    build.amount(totals, "DuePayableAmount", document["amount_due"])
    if credit and related_number:
        build.ram(
            build.ram(settlement, "InvoiceReferencedDocument"), "IssuerAssignedID", related_number
        )
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _line(
    build: _Builder, transaction: Any, line: Mapping[str, Any], net: Decimal, index: int
) -> None:
    item = build.ram(transaction, "IncludedSupplyChainTradeLineItem")
    build.ram(build.ram(item, "AssociatedDocumentLineDocument"), "LineID", index)
    build.ram(build.ram(item, "SpecifiedTradeProduct"), "Name", line["description"][:200])
    agreement = build.ram(item, "SpecifiedLineTradeAgreement")
    price = build.ram(agreement, "NetPriceProductTradePrice")
    unit_price, discount = line_price(line, net, build.currency)
    build.ram(price, "ChargeAmount", f"{unit_price:f}")
    delivery = build.ram(item, "SpecifiedLineTradeDelivery")
    quantity = Decimal(line["quantity"]).normalize()
    build.ram(delivery, "BilledQuantity", f"{quantity:f}", unitCode=unit_code(line.get("unit")))
    settlement = build.ram(item, "SpecifiedLineTradeSettlement")
    build.tax(settlement, "ApplicableTradeTax", line["vat_category"], line["vat_rate"])
    if discount > 0:
        allowance = build.ram(settlement, "SpecifiedTradeAllowanceCharge")
        build.indicator(allowance, False)
        build.amount(allowance, "ActualAmount", discount)
        build.ram(allowance, "Reason", "Discount")
    summation = build.ram(settlement, "SpecifiedTradeSettlementLineMonetarySummation")
    build.amount(summation, "LineTotalAmount", net)
