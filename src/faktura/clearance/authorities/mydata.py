"""Greece: myDATA, AADE's REST API for the electronic books.

`SendInvoices` takes an `InvoicesDoc` (XML, AADE's schema v2.0.1) and answers a `ResponseDoc`:
the invoice's uid, its MARK (the registration number printed on the document) and the URL of
its QR code — or the errors. A cleared invoice that is cancelled is cancelled with
`CancelInvoice?mark=`. Calls carry the account's `aade-user-id` and
`Ocp-Apim-Subscription-Key`.

The document is sent as AADE books it, one row per VAT rate of its breakdown: each row's net
value and VAT are the breakdown's taxable amount and tax, so myDATA's totals are the document's
totals to the cent, document discounts included.

A resubmission is safe: before sending again a document an earlier run may have delivered (a
retry, a worker killed mid-request), Faktura asks `RequestTransmittedDocs` for the seller's
documents of that day and takes the MARK of the one with the same series and number instead of
sending a second one.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
from lxml import etree

from faktura.clearance.authorities import (
    AuthorityError,
    Outcome,
    Submission,
    Unreachable,
)

NAME = "mydata"
BASE_URLS = {
    "sandbox": "https://mydataapidev.aade.gr",
    "production": "https://mydatapi.aade.gr/myDATA",
}
_NS = "http://www.aade.gr/myDATA/invoice/v1.0"
_ICLS = "https://www.aade.gr/myDATA/incomeClassificaton/v1.0"
_CENT = Decimal("0.01")

# VAT rates myDATA knows, to its VAT category; every exempt or zero-rated line is category 7
# with its exemption category.
VAT_CATEGORIES = {
    Decimal(24): 1,
    Decimal(13): 2,
    Decimal(6): 3,
    Decimal(17): 4,
    Decimal(9): 5,
    Decimal(4): 6,
    Decimal(3): 9,
}
_WITHOUT_VAT = 7
_EU = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)
# Income classification by the sale's kind (options.income_classification overrides).
_CATEGORY = {"goods": "category1_1", "services": "category1_3"}
_TYPE = {
    "domestic": "E3_561_001",
    "eu": "E3_561_005",
    "abroad": "E3_561_006",
    "retail": "E3_561_003",
}
# The invoice type by the buyer and the kind of sale; retail: a buyer without a VAT number.
_INVOICE_TYPES = {
    ("domestic", "goods"): "1.1",
    ("domestic", "services"): "2.1",
    ("eu", "goods"): "1.2",
    ("eu", "services"): "2.2",
    ("abroad", "goods"): "1.3",
    ("abroad", "services"): "2.3",
    ("retail", "goods"): "11.1",
    ("retail", "services"): "11.2",
}
# Payment method types: 5 is "on credit" (paid later, as an invoice with a due date is).
DEFAULT_PAYMENT_METHOD = 5


class NotSubmittable(Exception):
    """The document lacks what myDATA needs: rejected by Faktura, nothing sent."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def afm(vat_id: str | None) -> str | None:
    """The Greek tax number (ΑΦΜ) of a VAT id: EL123456789 → 123456789."""
    if not vat_id:
        return None
    compact = vat_id.replace(" ", "").upper()
    return compact[2:] if compact[:2] in ("EL", "GR") else compact


def _amount(value: Any) -> str:
    return str(Decimal(str(value)).quantize(_CENT, ROUND_HALF_UP))


def series_and_number(number: str) -> tuple[str, str]:
    """myDATA's series and serial number (aa) of a document number: the trailing digits are
    the number, what comes before them (separators trimmed) the series, "0" when none."""
    digits = len(number) - len(number.rstrip("0123456789"))
    if digits == 0:
        return "0", number
    series = number[:-digits].rstrip("-/_. ") or "0"
    return series, str(int(number[-digits:]))


def _buyer_kind(customer: dict[str, Any]) -> str:
    country = ((customer.get("address") or {}).get("country") or "").upper()
    if not customer.get("tax_id"):
        return "retail"
    if country in ("GR", "EL", ""):
        return "domestic"
    return "eu" if country in _EU else "abroad"


def invoice_type(
    document: dict[str, Any],
    customer: dict[str, Any],
    options: dict[str, Any],
    related: dict[str, Any] | None,
) -> str:
    kind = _buyer_kind(customer)
    if document["type"] == "credit_note":
        if kind == "retail":
            return "11.4"
        return "5.1" if _related_mark(related) else "5.2"
    return _INVOICE_TYPES[(kind, options.get("supply", "services"))]


def _related_mark(related: dict[str, Any] | None) -> str | None:
    clearance = (related or {}).get("clearance") or {}
    if clearance.get("provider") == NAME and clearance.get("status") == "cleared":
        return clearance.get("reference")
    return None


def _vat_category(entry: dict[str, Any]) -> int | None:
    rate = Decimal(str(entry.get("rate") or 0))
    if rate == 0 or entry.get("category") not in (None, "S", "AA"):
        return _WITHOUT_VAT
    return VAT_CATEGORIES.get(rate.normalize()) or VAT_CATEGORIES.get(rate)


def problems(submission: Submission) -> list[str]:
    """What stops the document from making an InvoicesDoc, each naming the field to set."""
    found = []
    document, account, options = submission.document, submission.account, submission.options
    if not afm(account.get("tax_id")):
        found.append("the seller's ΑΦΜ: set account.tax_id")
    if document["currency"] != "EUR":
        found.append(f"myDATA books amounts in EUR: the document is in {document['currency']}")
    for entry in document["tax_breakdown"]:
        category = _vat_category(entry)
        if category is None:
            found.append(f"myDATA has no VAT category for {entry['rate']} %")
        elif category == _WITHOUT_VAT and not options.get("vat_exemption_category"):
            found.append(
                "a line without VAT needs its exemption category: set "
                "clearance.mydata.vat_exemption_category"
            )
    return found


def invoices_doc(submission: Submission) -> bytes:
    """The InvoicesDoc of one document (NotSubmittable when it cannot make one)."""
    errors = problems(submission)
    if errors:
        raise NotSubmittable(errors)
    document, account, customer = submission.document, submission.account, submission.customer
    options = submission.options
    kind = _buyer_kind(customer)
    supply = options.get("supply", "services")
    chosen = options.get("income_classification") or {}
    classification = (
        chosen.get("category") or _CATEGORY[supply],
        chosen.get("type") or _TYPE[kind],
    )
    root = etree.Element(f"{{{_NS}}}InvoicesDoc", nsmap={None: _NS, "icls": _ICLS})
    invoice = _sub(root, "invoice")
    _party(invoice, "issuer", afm(account.get("tax_id")), "GR")
    if kind != "retail":
        _counterpart(invoice, customer, kind)
    header = _sub(invoice, "invoiceHeader")
    series, aa = series_and_number(document["number"])
    _sub(header, "series", series)
    _sub(header, "aa", aa)
    _sub(header, "issueDate", document["issue_date"])
    _sub(header, "invoiceType", invoice_type(document, customer, options, submission.related))
    _sub(header, "currency", document["currency"])
    mark = _related_mark(submission.related)
    if document["type"] == "credit_note" and mark and kind != "retail":
        _sub(header, "correlatedInvoices", mark)
    if document["type"] == "invoice":
        methods = _sub(invoice, "paymentMethods")
        detail = _sub(methods, "paymentMethodDetails")
        _sub(detail, "type", str(options.get("payment_method", DEFAULT_PAYMENT_METHOD)))
        _sub(detail, "amount", _amount(document["total"]))
    net_total, vat_total = Decimal(0), Decimal(0)
    for number, entry in enumerate(document["tax_breakdown"], start=1):
        net, vat = Decimal(str(entry["taxable"])), Decimal(str(entry["tax"]))
        net_total, vat_total = net_total + net, vat_total + vat
        row = _sub(invoice, "invoiceDetails")
        _sub(row, "lineNumber", str(number))
        _sub(row, "netValue", _amount(net))
        category = _vat_category(entry)
        _sub(row, "vatCategory", str(category))
        _sub(row, "vatAmount", _amount(vat))
        if category == _WITHOUT_VAT:
            _sub(row, "vatExemptionCategory", str(options["vat_exemption_category"]))
        _classification(row, classification, net)
    summary = _sub(invoice, "invoiceSummary")
    _sub(summary, "totalNetValue", _amount(net_total))
    _sub(summary, "totalVatAmount", _amount(vat_total))
    for name in (
        "totalWithheldAmount",
        "totalFeesAmount",
        "totalStampDutyAmount",
        "totalOtherTaxesAmount",
        "totalDeductionsAmount",
    ):
        _sub(summary, name, "0.00")
    _sub(summary, "totalGrossValue", _amount(net_total + vat_total))
    _classification(summary, classification, net_total)
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return data


def _sub(parent: Any, name: str, text: str | None = None) -> Any:
    element = etree.SubElement(parent, f"{{{_NS}}}{name}")
    if text is not None:
        element.text = text
    return element


def _party(parent: Any, role: str, vat: str | None, country: str) -> Any:
    party = _sub(parent, role)
    _sub(party, "vatNumber", vat)
    _sub(party, "country", country)
    _sub(party, "branch", "0")
    return party


def _counterpart(parent: Any, customer: dict[str, Any], kind: str) -> None:
    address = customer.get("address") or {}
    country = (address.get("country") or "GR").upper()
    vat = afm(customer.get("tax_id")) if kind == "domestic" else customer.get("tax_id")
    party = _party(parent, "counterpart", vat, "GR" if country == "EL" else country)
    if kind == "domestic":
        return  # AADE knows a Greek buyer by its ΑΦΜ: no name or address
    _sub(party, "name", customer.get("company_name") or customer.get("name") or "-")
    postal = _sub(party, "address")
    if address.get("street"):
        _sub(postal, "street", address["street"])
    _sub(postal, "postalCode", address.get("zip") or "0")
    _sub(postal, "city", address.get("city") or "-")


def _classification(parent: Any, classification: tuple[str, str], amount: Decimal) -> None:
    element = _sub(parent, "incomeClassification")
    for name, text in (
        ("classificationType", classification[1]),
        ("classificationCategory", classification[0]),
        ("amount", _amount(amount)),
    ):
        etree.SubElement(element, f"{{{_ICLS}}}{name}").text = text


# The answers

# Pages of RequestTransmittedDocs read before giving up (tried again later).
_MAX_PAGES = 50


def _find_transmitted(root: Any, wanted: tuple[str, str]) -> Outcome | None:
    for invoice in root.iter(f"{{{_NS}}}invoice"):
        header = invoice.find(f"{{{_NS}}}invoiceHeader")
        if header is None:
            continue
        same = (
            header.findtext(f"{{{_NS}}}series"),
            header.findtext(f"{{{_NS}}}aa"),
        ) == wanted
        if same and invoice.findtext(f"{{{_NS}}}cancelledByMark") is None:
            return Outcome(
                "cleared",
                reference=invoice.findtext(f"{{{_NS}}}mark"),
                qr_url=invoice.findtext(f"{{{_NS}}}qrCodeUrl"),
                extra={"uid": invoice.findtext(f"{{{_NS}}}uid"), "found_on_retry": True},
            )
    return None


def parse_response(body: bytes) -> Outcome:
    """A ResponseDoc's first response: Success → cleared; ValidationError or XMLSyntaxError →
    rejected with AADE's errors; TechnicalError → Unreachable (tried again)."""
    try:
        root = etree.fromstring(body)
    except etree.XMLSyntaxError as exc:
        raise Unreachable(f"myDATA answered what is not XML: {exc}") from exc
    response = root.find("response")
    if response is None:
        raise Unreachable("myDATA answered a ResponseDoc without a response")
    status = response.findtext("statusCode")
    if status == "Success":
        extra = {"uid": response.findtext("invoiceUid")}
        cancellation = response.findtext("cancellationMark")
        if cancellation:
            extra["cancellation_mark"] = cancellation
        return Outcome(
            "cleared",
            reference=response.findtext("invoiceMark"),
            qr_url=response.findtext("qrUrl"),
            extra=extra,
        )
    errors = tuple(
        AuthorityError(error.findtext("code"), error.findtext("message") or "")
        for error in response.iterfind("errors/error")
    )
    if status == "TechnicalError":
        raise Unreachable("myDATA: " + "; ".join(e.message for e in errors))
    return Outcome("rejected", errors=errors or (AuthorityError(status, "rejected"),))


@dataclass
class Mydata:
    """The client of one account's myDATA credentials, in one environment."""

    http: httpx.AsyncClient
    base_url: str
    user_id: str
    subscription_key: str
    timeout: float = 20
    name: str = NAME

    def _headers(self) -> dict[str, str]:
        return {
            "aade-user-id": self.user_id,
            "Ocp-Apim-Subscription-Key": self.subscription_key,
            "Content-Type": "application/xml",
        }

    async def _call(self, method: str, path: str, **kwargs: Any) -> bytes:
        try:
            response = await self.http.request(
                method,
                f"{self.base_url.rstrip('/')}/{path}",
                headers=self._headers(),
                timeout=self.timeout,
                **kwargs,
            )
        except httpx.HTTPError as exc:
            raise Unreachable(f"myDATA did not answer: {type(exc).__name__}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise Unreachable(f"myDATA answered {response.status_code}")
        if response.status_code in (401, 403):
            # Credentials being rotated: the document is not at fault, so it is tried again.
            raise Unreachable(f"myDATA refused the credentials ({response.status_code})")
        return response.content

    async def submit(self, submission: Submission) -> Outcome:
        try:
            body = invoices_doc(submission)
        except NotSubmittable as exc:
            return Outcome("rejected", errors=tuple(AuthorityError(None, e) for e in exc.errors))
        if submission.retried:
            found = await self._transmitted(submission)
            if found is not None:
                return found
        return parse_response(await self._call("POST", "SendInvoices", content=body))

    async def _transmitted(self, submission: Submission) -> Outcome | None:
        """The document as myDATA already has it from an earlier run, or None. AADE answers a
        page at a time; a `continuationToken` names the next."""
        document = submission.document
        day = date.fromisoformat(document["issue_date"]).strftime("%d/%m/%Y")
        # By series and number alone: the type a credit note was sent with may differ now (5.2
        # then, 5.1 once its invoice was cleared), and one number is one document.
        wanted = series_and_number(document["number"])
        params = {"mark": "0", "dateFrom": day, "dateTo": day}
        for _page in range(_MAX_PAGES):
            body = await self._call("GET", "RequestTransmittedDocs", params=params)
            try:
                root = etree.fromstring(body)
            except etree.XMLSyntaxError as exc:
                raise Unreachable(f"myDATA answered what is not XML: {exc}") from exc
            found = _find_transmitted(root, wanted)
            if found is not None:
                return found
            token = root.find(f"{{{_NS}}}continuationToken")
            if token is None:
                return None
            params = {
                **params,
                "nextPartitionKey": token.findtext(f"{{{_NS}}}nextPartitionKey") or "",
                "nextRowKey": token.findtext(f"{{{_NS}}}nextRowKey") or "",
            }
        raise Unreachable(f"myDATA listed more than {_MAX_PAGES} pages of documents for {day}")

    async def cancel(self, document: dict[str, Any], clearance: dict[str, Any]) -> Outcome:
        body = await self._call("POST", "CancelInvoice", params={"mark": clearance["reference"]})
        outcome = parse_response(body)
        if outcome.status == "cleared":
            mark = outcome.extra.get("cancellation_mark") or outcome.reference
            return Outcome("cleared", reference=mark)
        return outcome
