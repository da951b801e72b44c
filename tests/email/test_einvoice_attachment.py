"""Emails of invoices carry the account's e-invoice (einvoice_attachment): the UBL beside the
PDF, or the Factur-X PDF in its place, as a real SMTP server on loopback received them."""

from functools import cache
from typing import Any

import facturx
import pytest

from faktura.config import Settings
from faktura.db.session import Database
from tests.accounts.factories import ApiClient
from tests.documents.factories import create_document
from tests.einvoice.conftest import validator
from tests.einvoice.test_ubl import _buyer, _lines, _seller
from tests.email.conftest import run_mail_jobs
from tests.email.factories import address
from tests.email.sink import Sink


@cache
def bis3_ubl() -> Any:
    return validator(["en16931-ubl", "peppol-ubl"])


@pytest.mark.parametrize("fmt", ["ubl", "facturx"])
async def test_sent_invoices_carry_the_accounts_einvoice(
    api: ApiClient, db: Database, mail_settings: Settings, sink: Sink, fmt: str
) -> None:
    rates = await _seller(api)
    await api.patch("/v1/account", json={"einvoice_attachment": fmt})
    to = address()
    customer_id = await _buyer(api, contacts=[{"contact_name": "AP", "email": to}])
    invoice = await create_document(
        api,
        customer_id=customer_id,
        currency="EUR",
        line_items=_lines(rates, ("Standard", "2", "80.00")),
        purchase_order="PO-9",
    )

    await api.post(f"/v1/invoices/{invoice['id']}/send", json={})
    await run_mail_jobs(db, mail_settings, api.account_id)

    [received] = sink.to(to)
    files = [
        (part.get_filename(), part.get_content_type(), part.get_content())
        for part in received.message.iter_attachments()
    ]
    number = invoice["number"]
    if fmt == "ubl":
        assert [(name, kind) for name, kind, _ in files] == [
            (f"invoice-{number}.pdf", "application/pdf"),
            (f"invoice-{number}-ubl.xml", "application/xml"),
        ]
        xml = files[1][2]
        result = bis3_ubl().validate_bytes(xml if isinstance(xml, bytes) else xml.encode())
        assert result.ok, result.report()
    else:
        assert [(name, kind) for name, kind, _ in files] == [
            (f"invoice-{number}-facturx.pdf", "application/pdf")
        ]
        filename, _ = facturx.get_xml_from_pdf(files[0][2], check_xsd=True)
        assert filename == "factur-x.xml"
