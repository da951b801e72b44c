"""A loopback myDATA: AADE's REST endpoints as Faktura uses them, strict where AADE is.

Every `SendInvoices` body must pass AADE's published InvoicesDoc schema (else an XMLSyntaxError
answer, as AADE gives); every answer is a ResponseDoc that AADE's response schema accepts (the
server checks its own answers). Invoices are kept by uid — the SHA-1 AADE derives from the
issuer, date, branch, type, series and number — so a second copy is refused as AADE refuses it.
"""

import hashlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from lxml import etree

XSD = Path(__file__).resolve().parents[3] / "shared" / "validation" / "mydata" / "xsd"
NS = "http://www.aade.gr/myDATA/invoice/v1.0"
USER, KEY = "faktura-test", "0123456789abcdef0123456789abcdef"


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


@dataclass
class Stored:
    uid: str
    mark: int
    xml: bytes
    cancelled_by: int | None = None


@dataclass
class FakeAade:
    invoices_schema: etree.XMLSchema
    response_schema: etree.XMLSchema
    url: str = ""
    stored: list[Stored] = field(default_factory=list)
    # What the next SendInvoices calls do instead of answering: "technical" (a TechnicalError
    # answer), "lost" (kept, then 503: the answer is lost on the way), "reject" (a
    # ValidationError answer).
    next_answers: list[str] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    # Seconds a kept submission waits before its answer (a worker may die meanwhile).
    hold_seconds: float = 0
    # How many invoices one RequestTransmittedDocs page lists.
    page_size: int = 100
    cancelled: list[int] = field(default_factory=list)
    _next_mark: int = 400001000000001
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def mark(self) -> int:
        with self._lock:
            self._next_mark += 1
            return self._next_mark

    def response(self, **fields: Any) -> bytes:
        """A ResponseDoc with one response, checked against AADE's response schema."""
        root = etree.Element("ResponseDoc")
        response = etree.SubElement(root, "response")
        etree.SubElement(response, "index").text = "1"
        errors = fields.pop("errors", None)
        status = fields.pop("statusCode")
        for name in ("invoiceUid", "invoiceMark", "cancellationMark", "qrUrl"):
            if name in fields:
                etree.SubElement(response, name).text = str(fields[name])
        if errors:
            element = etree.SubElement(response, "errors")
            for code, message in errors:
                error = etree.SubElement(element, "error")
                etree.SubElement(error, "message").text = message
                etree.SubElement(error, "code").text = code
        etree.SubElement(response, "statusCode").text = status
        self.response_schema.assertValid(root)
        data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        return data

    def send_invoices(self, body: bytes) -> tuple[int, bytes]:
        try:
            root = etree.fromstring(body)
            self.invoices_schema.assertValid(root)
        except (etree.XMLSyntaxError, etree.DocumentInvalid) as exc:
            return 200, self.response(statusCode="XMLSyntaxError", errors=[("101", str(exc))])
        [invoice] = root.findall(_q("invoice"))
        answer = self.next_answers.pop(0) if self.next_answers else "success"
        if answer == "technical":
            return 200, self.response(statusCode="TechnicalError", errors=[("500", "try later")])
        if answer == "reject":
            return 200, self.response(
                statusCode="ValidationError",
                errors=[("102", "The counterpart's VAT number is not valid")],
            )
        uid = uid_of(invoice)
        if any(s.uid == uid and s.cancelled_by is None for s in self.stored):
            return 200, self.response(
                statusCode="ValidationError", errors=[("228", "Duplicate invoice")]
            )
        stored = Stored(uid, self.mark(), body)
        self.stored.append(stored)
        time.sleep(self.hold_seconds)
        if answer == "lost":
            return 503, b"Service Unavailable"
        return 200, self.response(
            statusCode="Success",
            invoiceUid=uid,
            invoiceMark=stored.mark,
            qrUrl=f"{self.url}/TimologioQR/QRInfo?q={uid[:16]}",
        )

    def transmitted(self, query: dict[str, str]) -> bytes:
        """RequestTransmittedDocs: the invoices kept (the fake holds one issuer's), a page of
        `page_size` at a time, with a continuationToken while more follow."""
        start = int(query.get("nextRowKey") or 0)
        page = self.stored[start : start + self.page_size]
        root = etree.Element("RequestedDoc", nsmap={None: NS})
        if start + self.page_size < len(self.stored):
            token = etree.SubElement(root, _q("continuationToken"))
            token.append(_text("nextPartitionKey", "p"))
            token.append(_text("nextRowKey", str(start + self.page_size)))
        docs = etree.SubElement(root, _q("invoicesDoc"))
        for stored in page:
            invoice = etree.fromstring(stored.xml).find(_q("invoice"))
            assert invoice is not None
            invoice.insert(0, _text("uid", stored.uid))
            invoice.insert(1, _text("mark", str(stored.mark)))
            if stored.cancelled_by is not None:
                invoice.insert(2, _text("cancelledByMark", str(stored.cancelled_by)))
            docs.append(invoice)
        data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        return data

    def cancel(self, mark: int) -> bytes:
        found = next((s for s in self.stored if s.mark == mark), None)
        if found is None or found.cancelled_by is not None:
            return self.response(statusCode="ValidationError", errors=[("404", "Not found")])
        found.cancelled_by = self.mark()
        self.cancelled.append(mark)
        return self.response(statusCode="Success", cancellationMark=found.cancelled_by)


def _text(name: str, text: str) -> Any:
    element = etree.Element(_q(name))
    element.text = text
    return element


def uid_of(invoice: Any) -> str:
    header = invoice.find(_q("invoiceHeader"))
    parts = [
        invoice.findtext(f"{_q('issuer')}/{_q('vatNumber')}"),
        header.findtext(_q("issueDate")),
        invoice.findtext(f"{_q('issuer')}/{_q('branch')}"),
        header.findtext(_q("invoiceType")),
        header.findtext(_q("series")),
        header.findtext(_q("aa")),
    ]
    return hashlib.sha1("-".join(p or "" for p in parts).encode()).hexdigest().upper()  # noqa: S324 (AADE's own definition)


def handler(fake: FakeAade) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            pass

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _authorised(self) -> bool:
            if (
                self.headers.get("aade-user-id"),
                self.headers.get("Ocp-Apim-Subscription-Key"),
            ) != (
                USER,
                KEY,
            ):
                self._answer(401, b"")
                return False
            return True

        def do_POST(self) -> None:
            parsed = urlparse(self.path)
            fake.requests.append(("POST", parsed.path))
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not self._authorised():
                return
            if parsed.path == "/SendInvoices":
                self._answer(*fake.send_invoices(body))
            elif parsed.path == "/CancelInvoice":
                mark = int(parse_qs(parsed.query)["mark"][0])
                self._answer(200, fake.cancel(mark))
            else:
                self._answer(404, b"")

        def do_GET(self) -> None:
            parsed = urlparse(self.path)
            fake.requests.append(("GET", parsed.path))
            if not self._authorised():
                return
            if parsed.path == "/RequestTransmittedDocs":
                query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
                self._answer(200, fake.transmitted(query))
            else:
                self._answer(404, b"")

    return Handler
