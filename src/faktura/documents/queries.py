"""Reading documents: one by id, a page of them, and the questions other domains ask about
them (they import this, never the tables)."""

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from faktura.core.errors import NotFound
from faktura.core.jsoncodec import RawJSON, loads
from faktura.core.tenant import Tenant
from faktura.db.pagination import Page, PageParams, paginate, tenant_rows
from faktura.documents.locked_rows import keep_locked, locked_document
from faktura.documents.models import Document, DocumentLine, DocumentStatus
from faktura.documents.output import document_out
from faktura.documents.status import label
from faktura.documents.stored_text import CURRENT_TEXT


def documents_of(account_id: Any, livemode: Any) -> Select[Document]:
    """Documents of one account and mode, their lines read in the same query (an outer join).
    The values may be bind parameters, for a statement built once and run many times."""
    return (
        select(Document)
        .where(Document.account_id == account_id, Document.livemode == livemode)
        .options(joinedload(Document.lines))
    )


def locking(statement: Select[Document]) -> Select[Document]:
    """Lock the documents' rows (not their lines': the outer join's side cannot be locked)
    and read them afresh: an earlier read in this transaction may be stale."""
    return statement.with_for_update(of=Document).execution_options(populate_existing=True)


def _one_document(typed: bool, for_update: bool) -> Select[Document]:
    """The query of one document by id, built once per shape (`_ONE_DOCUMENT`) and run with
    bound values: making a statement with its loader options cost more than running it."""
    statement = documents_of(bindparam("account_id"), bindparam("livemode")).where(
        Document.id == bindparam("document_id")
    )
    if typed:
        statement = statement.where(Document.type == bindparam("doc_type"))
    return locking(statement) if for_update else statement


_ONE_DOCUMENT = {
    (typed, for_update): _one_document(typed, for_update)
    for typed in (False, True)
    for for_update in (False, True)
}


def _one_values(tenant: Tenant, document_id: uuid.UUID, doc_type: str | None) -> dict[str, Any]:
    """The bound values of the statements that read one document (`_ONE_DOCUMENT`,
    `_STORED_TEXT`)."""
    values: dict[str, Any] = {
        "account_id": tenant.account_id,
        "livemode": tenant.livemode,
        "document_id": document_id,
    }
    if doc_type is not None:
        values["doc_type"] = doc_type
    return values


def _not_found(doc_type: str | None) -> NotFound:
    return NotFound(f"{label(doc_type or 'document').capitalize()} not found")


async def get_document(
    session: AsyncSession,
    tenant: Tenant,
    document_id: uuid.UUID,
    doc_type: str | None = None,
    *,
    for_update: bool = False,
) -> Document:
    """One document of the tenant with its lines; `for_update` locks it until the transaction
    ends (a document the transaction already locked is not read again)."""
    document = locked_document(session, document_id) if for_update else None
    if document is None or (doc_type is not None and document.type != doc_type):
        statement = _ONE_DOCUMENT[(doc_type is not None, for_update)]
        found = await session.execute(statement, _one_values(tenant, document_id, doc_type))
        document = found.unique().scalar_one_or_none()
        if document is None:
            raise _not_found(doc_type)
        if for_update:
            keep_locked(session, [document])
    return document


def _one_by_id(typed: bool) -> tuple[ColumnElement[bool], ...]:
    """The tenant's document of a bound id (and, `typed`, of a bound type): the conditions of
    the column reads below, run with `_one_values`."""
    found = (
        Document.account_id == bindparam("account_id"),
        Document.livemode == bindparam("livemode"),
        Document.id == bindparam("document_id"),
    )
    return (*found, Document.type == bindparam("doc_type")) if typed else found


_STORED_TEXT = {typed: select(CURRENT_TEXT).where(*_one_by_id(typed)) for typed in (False, True)}


async def read_document(
    session: AsyncSession, tenant: Tenant, document_id: uuid.UUID, doc_type: str | None = None
) -> dict[str, Any] | RawJSON:
    """One document as the API shows it: its stored text (`stored_text.py`), or, for a document
    without a current one, built from the document."""
    values = _one_values(tenant, document_id, doc_type)
    found = (await session.execute(_STORED_TEXT[doc_type is not None], values)).first()
    if found is None:
        raise _not_found(doc_type)
    if found.rendered is not None:
        return RawJSON(found.rendered)
    return document_out(await get_document(session, tenant, document_id, doc_type))


@dataclass(frozen=True)
class DocumentFilters:
    doc_type: str | None = None
    statuses: tuple[str, ...] = ()
    customer_id: uuid.UUID | None = None
    issued_from: date | None = None
    issued_to: date | None = None
    due_from: date | None = None
    due_to: date | None = None
    number: str | None = None
    search: str | None = None


def _filtered(
    statement: Select[*tuple[Any, ...]], tenant: Tenant, filters: DocumentFilters
) -> Select[*tuple[Any, ...]]:
    statement = statement.where(tenant_rows(Document, tenant))
    if filters.doc_type is not None:
        statement = statement.where(Document.type == filters.doc_type)
    if filters.statuses:
        statement = statement.where(Document.status.in_(filters.statuses))
    if filters.customer_id is not None:
        statement = statement.where(Document.customer_id == filters.customer_id)
    if filters.issued_from is not None:
        statement = statement.where(Document.issue_date >= filters.issued_from)
    if filters.issued_to is not None:
        statement = statement.where(Document.issue_date <= filters.issued_to)
    if filters.due_from is not None:
        statement = statement.where(Document.due_date >= filters.due_from)
    if filters.due_to is not None:
        statement = statement.where(Document.due_date <= filters.due_to)
    if filters.number is not None:
        statement = statement.where(Document.number == filters.number)
    if filters.search:
        statement = statement.where(
            Document.search_text.contains(filters.search.casefold(), autoescape=True)
        )
    return statement


async def list_documents(
    session: AsyncSession,
    tenant: Tenant,
    filters: DocumentFilters,
    params: PageParams,
) -> Page[dict[str, Any] | RawJSON]:
    """A page of documents as the API shows them: their stored text (`stored_text.py`), and for
    a document without a current one, built from its row and lines (read with SQLAlchemy Core:
    objects for a page of rows cost more than the rest of the request). A document deleted
    between the page and that read is left out, as a moment later it would be."""
    statement = _filtered(select(Document.id, CURRENT_TEXT), tenant, filters)
    page: Page[Row[Any]] = await paginate(session, statement, Document.id, params, rows=True)
    built: dict[uuid.UUID, dict[str, Any]] = {}
    unwritten = [row.id for row in page.items if row.rendered is None]
    if unwritten:
        lines: dict[uuid.UUID, list[Row[Any]]] = {document_id: [] for document_id in unwritten}
        read = await session.execute(
            select(*DocumentLine.__table__.columns)
            .where(DocumentLine.document_id.in_(unwritten))
            .order_by(DocumentLine.document_id, DocumentLine.position)
        )
        for line in read:
            lines[line.document_id].append(line)
        rows = await session.execute(
            select(*Document.__table__.columns).where(Document.id.in_(unwritten))
        )
        built = {row.id: document_out(row, lines[row.id]) for row in rows}
    shown: list[dict[str, Any] | RawJSON] = [
        RawJSON(row.rendered) if row.rendered is not None else built[row.id]
        for row in page.items
        if row.rendered is not None or row.id in built
    ]
    return Page(shown, page.page, page.per_page, page.total, page.has_more)


# Questions of other domains


async def customer_has_issued_documents(
    session: AsyncSession,
    tenant: Tenant,
    customer_id: uuid.UUID,
) -> bool:
    return bool(
        (
            await session.execute(
                select(
                    exists().where(
                        Document.account_id == tenant.account_id,
                        Document.livemode == tenant.livemode,
                        Document.customer_id == customer_id,
                        Document.number.is_not(None),
                    )
                )
            )
        ).scalar()
    )


async def customer_has_documents(
    session: AsyncSession,
    tenant: Tenant,
    customer_id: uuid.UUID,
) -> bool:
    return bool(
        (
            await session.execute(
                select(
                    exists().where(
                        Document.account_id == tenant.account_id,
                        Document.livemode == tenant.livemode,
                        Document.customer_id == customer_id,
                    )
                )
            )
        ).scalar()
    )


async def item_is_used(session: AsyncSession, tenant: Tenant, item_id: uuid.UUID) -> bool:
    return bool(
        (
            await session.execute(
                select(
                    exists().where(
                        DocumentLine.item_id == item_id,
                        DocumentLine.document_id == Document.id,
                        Document.account_id == tenant.account_id,
                        Document.livemode == tenant.livemode,
                    )
                )
            )
        ).scalar()
    )


async def delete_draft_documents_of_customer(
    session: AsyncSession,
    tenant: Tenant,
    customer_id: uuid.UUID,
) -> int:
    """Drafts are not records yet: they go with their customer."""
    drafts = (
        (
            await session.execute(
                select(Document.id).where(
                    Document.account_id == tenant.account_id,
                    Document.livemode == tenant.livemode,
                    Document.customer_id == customer_id,
                    Document.status == "draft",
                )
            )
        )
        .scalars()
        .all()
    )
    for document_id in drafts:
        await session.delete(await session.get_one(Document, document_id))
    await session.flush()
    return len(drafts)


@dataclass(frozen=True)
class PdfState:
    """What serving an archived PDF needs of its document, read without its lines."""

    id: uuid.UUID
    type: str
    number: str | None
    pdf_status: str | None
    pdf_source: str | None
    pdf_key: str | None
    pdf_sha256: str | None


_PDF_STATE = select(
    Document.id,
    Document.type,
    Document.number,
    Document.pdf_status,
    Document.pdf_source,
    Document.pdf_key,
    Document.pdf_sha256,
).where(*_one_by_id(typed=True))


async def pdf_state(
    session: AsyncSession, tenant: Tenant, document_id: uuid.UUID, doc_type: str
) -> PdfState:
    row = (await session.execute(_PDF_STATE, _one_values(tenant, document_id, doc_type))).first()
    if row is None:
        raise _not_found(doc_type)
    return PdfState(*row)


@dataclass(frozen=True)
class DocumentHead:
    """What sending needs of a document before it writes anything: no lines, no text."""

    id: uuid.UUID
    type: str
    status: str
    customer_id: uuid.UUID


_LOCKED_HEAD = (
    select(Document.id, Document.type, Document.status, Document.customer_id)
    .where(*_one_by_id(typed=True))
    .with_for_update()
)


async def locked_head(
    session: AsyncSession, tenant: Tenant, document_id: uuid.UUID, doc_type: str
) -> DocumentHead:
    """The document's head, its row locked until the transaction ends."""
    row = (await session.execute(_LOCKED_HEAD, _one_values(tenant, document_id, doc_type))).first()
    if row is None:
        raise _not_found(doc_type)
    return DocumentHead(*row)


_ISSUED_HEAD = (
    select(Document.id, Document.customer_id)
    .where(
        *_one_by_id(typed=True),
        Document.status.not_in((DocumentStatus.DRAFT, DocumentStatus.CANCELLED)),
    )
    .with_for_update()
)


def issued_head() -> Select[uuid.UUID, uuid.UUID]:
    """The id and customer of a document of the tenant while it is issued and not cancelled,
    its row locked, run with `issued_head_values`: for a statement that writes a row about the
    document as it reads it (INSERT … SELECT), where `locked_head` and a check would take a
    statement more. Built once: run with bound values."""
    return _ISSUED_HEAD


def issued_head_values(tenant: Tenant, document_id: uuid.UUID, doc_type: str) -> dict[str, Any]:
    return _one_values(tenant, document_id, doc_type)


async def shown_document(session: AsyncSession, tenant: Tenant, document_id: uuid.UUID) -> Any:
    """The document as the API shows it, parsed (amounts exact), from its stored text."""
    shown = await read_document(session, tenant, document_id)
    return loads(shown.encoded_json) if isinstance(shown, RawJSON) else shown
