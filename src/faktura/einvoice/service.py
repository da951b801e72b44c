"""E-invoices of issued invoices and credit notes: what is missing, and the export."""

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

import facturx
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.accounts import service as accounts_service
from faktura.accounts.schemas import account_out
from faktura.core.errors import ErrorDetail, InvalidState, ValidationFailed
from faktura.core.tenant import Tenant
from faktura.customers import service as customers_service
from faktura.customers.schemas import customer_out
from faktura.documents import queries as documents_queries
from faktura.documents import service as documents_service
from faktura.einvoice.checks import Missing, missing_terms
from faktura.einvoice.cii import cii_of
from faktura.einvoice.ubl import ubl_of
from faktura.pdfs import service as pdfs_service
from faktura.pdfs.storage import FileStore


@dataclass(frozen=True)
class Sources:
    """The API's JSON of the document, its account and its customer."""

    document: dict[str, Any]
    account: dict[str, Any]
    customer: dict[str, Any]
    related_number: str | None


async def _sources(
    session: AsyncSession, tenant: Tenant, doc_type: str, document_id: uuid.UUID
) -> Sources:
    head = await documents_service.get_document(session, tenant, document_id, doc_type)
    if head.number is None:
        raise InvalidState(
            f"A draft {documents_service.label(doc_type)} has no e-invoice: issue it first"
        )
    document = await documents_queries.shown_document(session, tenant, document_id)
    account = await accounts_service.get_account(session, tenant.account_id)
    customer = await customers_service.get_customer(session, tenant, head.customer_id)
    related_number = None
    if head.related_document_id is not None and doc_type == "credit_note":
        related = await documents_service.get_document(session, tenant, head.related_document_id)
        related_number = related.number
    return Sources(
        document,
        account_out(account).model_dump(mode="json"),
        customer_out(customer).model_dump(mode="json"),
        related_number,
    )


async def check(
    session: AsyncSession, tenant: Tenant, doc_type: str, document_id: uuid.UUID
) -> list[Missing]:
    sources = await _sources(session, tenant, doc_type, document_id)
    return missing_terms(sources.document, sources.account, sources.customer)


BUILDERS = {"ubl": ubl_of, "cii": cii_of}
FACTURX = "facturx"


def _facturx(pdf: bytes, cii: bytes, document: dict[str, Any], seller: str) -> bytes:
    """The PDF/A-3 with the CII attached as factur-x.xml and the Factur-X XMP (the factur-x
    library checks the XML against the CII XSD as it embeds it)."""
    return bytes(
        facturx.generate_from_binary(
            pdf,
            cii,
            flavor="factur-x",
            level="en16931",
            check_xsd=True,
            pdf_metadata={
                "author": seller,
                "keywords": "Factur-X, Invoice",
                "title": f"{seller}: {document['type'].replace('_', ' ')} {document['number']}",
                "subject": f"{document['type'].replace('_', ' ')} {document['number']}",
            },
            lang=document.get("locale") or None,
        )
    )


async def export(
    session: AsyncSession,
    tenant: Tenant,
    store: FileStore,
    doc_type: str,
    document_id: uuid.UUID,
    fmt: str,
) -> tuple[str, bytes]:
    """The document's e-invoice in `fmt` (file name, bytes): UBL or CII XML, or the Factur-X
    PDF (the document's archived PDF carrying the CII). 422 naming every missing business
    term."""
    sources = await _sources(session, tenant, doc_type, document_id)
    missing = missing_terms(sources.document, sources.account, sources.customer)
    if missing:
        raise ValidationFailed(
            "This document cannot make a valid EN 16931 e-invoice: "
            + "; ".join(m.message for m in missing),
            [ErrorDetail(m.field, m.message) for m in missing],
        )
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in sources.document["number"])
    if fmt != FACTURX:
        builder = BUILDERS[fmt]
        data = builder(sources.document, sources.account, sources.customer, sources.related_number)
        return f"{doc_type}-{safe}-{fmt}.xml", data
    data = cii_of(
        sources.document,
        sources.account,
        sources.customer,
        sources.related_number,
        peppol=False,
    )
    # Read only: a PDF archived now is recorded by the archive job (same bytes).
    pdf = await pdfs_service.pdf_of(session, tenant, store, doc_type, document_id, record=False)
    assert pdf is not None  # only a conditional request answers None
    seller = sources.account.get("legal_name") or sources.account["name"]
    combined = await asyncio.to_thread(_facturx, pdf.data, data, sources.document, seller)
    return f"{doc_type}-{safe}-facturx.pdf", combined
