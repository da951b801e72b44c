"""Archiving the PDF of every issued document: a job per document, enqueued by its
`.finalized` event in the issuing transaction, run after the commit."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.core.clock import utcnow
from faktura.core.errors import NotFound
from faktura.core.tenant import Tenant
from faktura.documents import service as documents_service
from faktura.events.models import Event
from faktura.jobs.kinds import JobContext, JobKind, Registry
from faktura.pdfs import service
from faktura.pdfs.printable import Printable
from faktura.pdfs.render import RenderFailed, render_pdf_async
from faktura.pdfs.storage import FileMissing, file_store

# A render that fails is tried again after 10 s, 1 min, 5 min and 30 min, then reported.
ATTEMPTS = 5
BACKOFF = (
    timedelta(seconds=10),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
)


async def enqueue_on_issue(session: AsyncSession, event: Event) -> None:
    """Event consumer: an issued document's PDF is archived after the issuing commit."""
    if event.type.endswith(".finalized") and event.object_id is not None:
        tenant = Tenant(event.account_id, event.livemode)
        await service.enqueue_archive(session, tenant, event.object_id)


async def _printable(
    ctx: JobContext, tenant: Tenant, document_id: uuid.UUID
) -> tuple[Printable, datetime] | None:
    """What to render and the document's updated_at it is made from, or None when there is
    nothing to do (archived already, or gone)."""
    async with ctx.db.transaction() as session:
        try:
            document = await documents_service.get_document(session, tenant, document_id)
        except NotFound:
            return None
        if document.pdf_status == "ready" or document.number is None:
            return None
        printable = await service.printable_of(session, tenant, file_store(ctx.settings), document)
        return printable, document.updated_at


async def _archive(ctx: JobContext) -> None:
    tenant = ctx.tenant
    document_id = uuid.UUID(ctx.payload["document_id"])
    store = file_store(ctx.settings)
    try:
        found = await _printable(ctx, tenant, document_id)
        if found is None:
            ctx.report(archived=False)
            async with ctx.finishing():
                return
        printable, made_from = found
        data = await render_pdf_async(printable)
        await store.put(service.archive_key(tenant, document_id, data), data)
    except (RenderFailed, FileMissing) as exc:
        if ctx.attempts < ATTEMPTS:
            raise
        ctx.report(archived=False, failed=True)
        async with ctx.finishing() as session:
            await service.record_failure(
                session, tenant, document_id, f"{type(exc).__name__}: {exc}"
            )
        return
    async with ctx.finishing() as session:
        recorded = await service.record_generated(session, tenant, document_id, data, made_from)
        if recorded is None:  # the document changed while it was rendered: render it again
            ctx.report(archived=False, stale=True)
            ctx.run_again(utcnow())
        else:
            ctx.report(archived=True, size=len(data))


ARCHIVE = JobKind(service.ARCHIVE_KIND, _archive, max_attempts=ATTEMPTS, backoff=BACKOFF)


def register(registry: Registry) -> None:
    registry.register(ARCHIVE)
