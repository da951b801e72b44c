"""The PDF of a document: rendered, archived, uploaded, served; and the account's logo.

Rules kept here:
- A draft's PDF is rendered on request, marked DRAFT, and never stored.
- An issued document's PDF is archived once (`pdfs.archive`, a job enqueued by its
  `.finalized` event), as immutable bytes named by their SHA-256; asked for before the job ran,
  it is rendered on the spot and archived then.
- An uploaded PDF takes the place of the generated one until it is deleted; generating over it
  is refused (409), generating again over a generated one changes nothing when nothing changed.
- Rendering happens outside any row lock: the row is locked only to record the result.
"""

import base64
import binascii
import hashlib
import io
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.accounts import service as accounts_service
from faktura.accounts.models import Account, LogoData
from faktura.accounts.schemas import account_out
from faktura.core.errors import InvalidState, ValidationFailed
from faktura.core.tenant import Tenant
from faktura.customers import service as customers_service
from faktura.documents import service as documents_service
from faktura.documents import status as documents_status
from faktura.documents.models import Document
from faktura.documents.output import document_out
from faktura.documents.queries import PdfState
from faktura.jobs import service as jobs
from faktura.payments import queries as payments_queries
from faktura.pdfs.printable import Logo, Printable
from faktura.pdfs.render import render_pdf_async
from faktura.pdfs.sample import sample_document
from faktura.pdfs.storage import FileMissing, FileStore

ARCHIVE_KIND = "pdfs.archive"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_LOGO_BYTES = 1024 * 1024
MAX_LOGO_PIXELS = 4000
MIN_LOGO_PIXELS = 16
_IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}


@dataclass(frozen=True)
class PdfFile:
    data: bytes
    sha256: str
    filename: str
    # False for a draft's: rendered for this request, never stored.
    archived: bool = True
    # True for an issued document's archived on the spot by a caller that does not write
    # (`pdf_of(record=False)`): stored, but not yet on the document (`record_generated`, with
    # `made_from`, the document's updated_at it was rendered from).
    unrecorded: bool = False
    made_from: datetime | None = None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _filename(document: Document | PdfState) -> str:
    name = document.number or f"draft-{document.id}"
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in name)
    return f"{document.type}-{safe}.pdf"


def archive_key(tenant: Tenant, document_id: uuid.UUID, data: bytes) -> str:
    """Where the bytes of a document's PDF are kept: named by their hash, so never rewritten."""
    return f"pdfs/{tenant.account_id}/{document_id}/{_sha256(data)}.pdf"


# What a PDF is made of


async def _logo(store: FileStore, account: Account) -> Logo | None:
    logo = account.branding.get("logo")
    if logo is None:
        return None
    return Logo(await store.get(logo["key"]), logo["content_type"])


def _account_json(account: Account) -> dict[str, Any]:
    return account_out(account).model_dump(mode="json")


async def printable_of(
    session: AsyncSession, tenant: Tenant, store: FileStore, document: Document
) -> Printable:
    account = await accounts_service.get_account(session, tenant.account_id)
    customer = await customers_service.get_customer(
        session, tenant, document.customer_id, related=False
    )
    related_number = None
    if document.related_document_id is not None and document.type == "credit_note":
        invoice = await documents_service.get_document(
            session, tenant, document.related_document_id
        )
        related_number = invoice.number
    payment = None
    if document.type == "receipt":
        paid = await payments_queries.payment_of_receipt(session, tenant, document.id)
        if paid is not None:
            payment = {
                "reference": paid.external_payment_id,
                "method": paid.payment_method,
                "date": paid.payment_date.isoformat(),
            }
    return Printable(
        document=document_out(document),
        account=_account_json(account),
        customer={"tax_id": customer.tax_id, "locale": customer.locale},
        related_number=related_number,
        payment=payment,
        logo=await _logo(store, account),
    )


# Reading


async def pdf_of(
    session: AsyncSession,
    tenant: Tenant,
    store: FileStore,
    doc_type: str,
    document_id: uuid.UUID,
    *,
    unless_sha256: str | None = None,
    record: bool = True,
) -> PdfFile | None:
    """The document's PDF: a draft's rendered now; an issued one's from the archive, archived
    now if the job has not run yet (or the store lost a generated file). None when the archived
    PDF's hash is `unless_sha256` (the client has it: 304).

    `record=False` in a read transaction: a PDF archived now is stored but left `unrecorded`
    for the caller to record in a write transaction (or for the archive job, whose render
    makes the same bytes)."""
    state = await documents_service.pdf_state(session, tenant, document_id, doc_type)
    if _is_archived(state):
        if state.pdf_sha256 == unless_sha256:
            return None
        try:
            return await _read_archived(store, state)
        except FileMissing:
            if state.pdf_source == "user_upload":
                raise InvalidState(
                    "The uploaded PDF is missing from the file store; upload it again"
                ) from None
    document = await documents_service.get_document(session, tenant, document_id, doc_type)
    if document.number is None:
        data = await render_pdf_async(await printable_of(session, tenant, store, document))
        return PdfFile(data, _sha256(data), _filename(document), archived=False)
    data = await _render_and_store(session, tenant, store, document)
    if not record:
        made_from = document.updated_at
        return PdfFile(
            data, _sha256(data), _filename(document), unrecorded=True, made_from=made_from
        )
    recorded = await record_generated(session, tenant, document.id, data)
    assert recorded is not None  # same transaction: never stale
    return PdfFile(data, _sha256(data), _filename(recorded))


async def archived_pdf(
    session: AsyncSession, tenant: Tenant, store: FileStore, doc_type: str, document_id: uuid.UUID
) -> PdfFile | None:
    """An issued document's archived PDF, or None when it is not archived (yet) or the store
    lost it: then `pdf_of` archives it."""
    state = await documents_service.pdf_state(session, tenant, document_id, doc_type)
    if not _is_archived(state):
        return None
    try:
        return await _read_archived(store, state)
    except FileMissing:
        return None


def _is_archived(state: PdfState) -> bool:
    return state.number is not None and state.pdf_status == "ready" and state.pdf_key is not None


async def _read_archived(store: FileStore, state: PdfState) -> PdfFile:
    """The archived file of an archived document (FileMissing when the store lost it)."""
    assert state.pdf_key is not None
    data = await store.get(state.pdf_key)
    return PdfFile(data, state.pdf_sha256 or _sha256(data), _filename(state))


# Writing


async def _render_and_store(
    session: AsyncSession, tenant: Tenant, store: FileStore, document: Document
) -> bytes:
    data = await render_pdf_async(await printable_of(session, tenant, store, document))
    await store.put(archive_key(tenant, document.id, data), data)
    return data


async def record_generated(
    session: AsyncSession,
    tenant: Tenant,
    document_id: uuid.UUID,
    data: bytes,
    made_from: datetime | None = None,
) -> Document | None:
    """Record a generated PDF, already stored, on the document (locked now). An upload made
    meanwhile wins; the same bytes as the archived ones change nothing. Rendered in another
    transaction (`made_from`: the document's updated_at it was made from), it is not recorded
    — None — when the document changed since (cleared by its tax authority, say): the render
    is stale."""
    document = await documents_service.get_document(session, tenant, document_id, for_update=True)
    if made_from is not None and document.updated_at != made_from:
        return None
    sha256 = _sha256(data)
    if document.pdf_source == "user_upload" and document.pdf_status == "ready":
        return document
    if document.pdf_status == "ready" and document.pdf_sha256 == sha256:
        return document
    key = archive_key(tenant, document.id, data)
    documents_service.set_pdf(document, "ready", "generated", key, sha256, len(data))
    await session.flush()
    return document


def _issued(document: Document, action: str) -> None:
    if document.number is None:
        raise InvalidState(
            f"A draft's PDF is rendered on request (GET …/pdf) and never stored: issue it "
            f"before {action}"
        )


async def generate(
    session: AsyncSession, tenant: Tenant, store: FileStore, doc_type: str, document_id: uuid.UUID
) -> Document:
    """Render and archive the PDF now (again): idempotent while the document is unchanged."""
    document = await documents_service.get_document(session, tenant, document_id, doc_type)
    _issued(document, "generate_pdf")
    if document.pdf_source == "user_upload":
        raise InvalidState("The document has an uploaded PDF: delete_pdf first to generate one")
    data = await _render_and_store(session, tenant, store, document)
    recorded = await record_generated(session, tenant, document.id, data)
    assert recorded is not None  # same transaction: never stale
    return recorded


def _decoded(field: str, text: str, what: str, limit: int) -> bytes:
    """The bytes of a base64 field, at most `limit` of them (422 naming `field` otherwise)."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed.on_field(field, "not valid base64") from None
    if len(data) > limit:
        raise ValidationFailed.on_field(
            field, f"{what} is {len(data)} bytes; at most {limit} are taken"
        )
    return data


def _decoded_pdf(pdf_base64: str) -> bytes:
    data = _decoded("pdf_base64", pdf_base64, "the PDF", MAX_UPLOAD_BYTES)
    if not data.startswith(b"%PDF-"):
        raise ValidationFailed.on_field("pdf_base64", "not a PDF (it must start with %PDF-)")
    from pypdf import PdfReader  # imported when used: it takes half a second
    from pypdf.errors import PyPdfError

    try:
        pages = len(PdfReader(io.BytesIO(data), strict=False).pages)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        raise ValidationFailed.on_field("pdf_base64", "not a readable PDF") from None
    if pages == 0:
        raise ValidationFailed.on_field("pdf_base64", "the PDF has no pages")
    return data


async def upload(
    session: AsyncSession,
    tenant: Tenant,
    store: FileStore,
    doc_type: str,
    document_id: uuid.UUID,
    pdf_base64: str,
) -> Document:
    """Keep the user's own PDF as the document's, in place of the generated one."""
    data = _decoded_pdf(pdf_base64)
    document = await documents_service.get_document(
        session, tenant, document_id, doc_type, for_update=True
    )
    _issued(document, "upload_pdf")
    sha256 = _sha256(data)
    key = archive_key(tenant, document.id, data)
    await store.put(key, data)
    documents_service.set_pdf(document, "ready", "user_upload", key, sha256, len(data))
    await session.flush()
    return document


async def delete(
    session: AsyncSession, tenant: Tenant, doc_type: str, document_id: uuid.UUID
) -> Document:
    """Forget the document's PDF, uploaded or generated: it goes back to pending and the
    archive job renders it again. Archived bytes stay in the store (they are the record of
    what was issued); only the document stops naming them."""
    document = await documents_service.get_document(
        session, tenant, document_id, doc_type, for_update=True
    )
    _issued(document, "delete_pdf")
    documents_service.set_pdf(document, None)
    await session.flush()
    await enqueue_archive(session, tenant, document.id, rearm=True)
    return document


async def enqueue_archive(
    session: AsyncSession, tenant: Tenant, document_id: uuid.UUID, *, rearm: bool = False
) -> None:
    payload = {"document_id": str(document_id)}
    key = f"document:{document_id}"
    if rearm:
        await jobs.enqueue_or_rearm(session, ARCHIVE_KIND, payload, dedupe_key=key, tenant=tenant)
    else:
        await jobs.enqueue_once(session, ARCHIVE_KIND, payload, dedupe_key=key, tenant=tenant)


async def record_failure(
    session: AsyncSession, tenant: Tenant, document_id: uuid.UUID, error: str
) -> None:
    """The archive job gave up: the PDF is `failed`, with `{type}.pdf_failed`; the document
    itself is unchanged otherwise, and GET …/pdf or generate_pdf try again."""
    document = await documents_service.get_document(session, tenant, document_id, for_update=True)
    if document.pdf_status == "ready":
        return
    documents_service.set_pdf(document, "failed", error=error[:2000])
    await session.flush()
    await documents_status.record_document_event(session, tenant, document, "pdf_failed")


# The logo


def _checked_logo(logo_base64: str) -> tuple[bytes, str, int, int]:
    from PIL import Image, UnidentifiedImageError  # imported when used

    data = _decoded("logo_base64", logo_base64, "the image", MAX_LOGO_BYTES)
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationFailed.on_field(
            "logo_base64", "not a PNG or JPEG image (SVG and other formats are refused)"
        ) from None
    if kind not in _IMAGE_TYPES:
        raise ValidationFailed.on_field(
            "logo_base64", f"a {kind} image; only PNG and JPEG are taken"
        )
    for side, pixels in (("width", width), ("height", height)):
        if not MIN_LOGO_PIXELS <= pixels <= MAX_LOGO_PIXELS:
            raise ValidationFailed.on_field(
                "logo_base64",
                f"the image's {side} is {pixels} pixels; {MIN_LOGO_PIXELS} to "
                f"{MAX_LOGO_PIXELS} are taken",
            )
    return data, _IMAGE_TYPES[kind], width, height


async def set_logo(
    session: AsyncSession, tenant: Tenant, store: FileStore, logo_base64: str
) -> Account:
    data, content_type, width, height = _checked_logo(logo_base64)
    sha256 = _sha256(data)
    key = f"logos/{tenant.account_id}/{sha256}"
    await store.put(key, data)
    logo = LogoData(
        key=key,
        sha256=sha256,
        content_type=content_type,
        width=width,
        height=height,
        size=len(data),
    )
    return await accounts_service.set_logo(session, tenant, logo)


async def remove_logo(session: AsyncSession, tenant: Tenant) -> Account:
    return await accounts_service.set_logo(session, tenant, None)


# The branding preview


async def preview(
    session: AsyncSession,
    tenant: Tenant,
    store: FileStore,
    branding: dict[str, Any] | None,
    document_id: uuid.UUID | None,
) -> bytes:
    """A PDF of `document_id` (any document of the account), or of a sample invoice, in the
    account's branding or in `branding` (tried, not saved; the uploaded logo is kept)."""
    if document_id is not None:
        document = await documents_service.get_document(session, tenant, document_id)
        printable = await printable_of(session, tenant, store, document)
    else:
        account = await accounts_service.get_account(session, tenant.account_id)
        printable = Printable(
            document=sample_document(account.default_currency, account.locale),
            account=_account_json(account),
            logo=await _logo(store, account),
        )
    if branding is not None:
        kept = {"logo": printable.account["branding"].get("logo")}
        account_json = {**printable.account, "branding": {**branding, **kept}}
        printable = replace(printable, account=account_json)
    return await render_pdf_async(printable)
