"""Email's background work: delivering each message (a job per message, due at its
scheduled time) and the reminder scheduler (a periodic job)."""

import uuid
from datetime import timedelta

from faktura.core.clock import utcnow
from faktura.core.errors import FakturaError
from faktura.core.tenant import Tenant
from faktura.einvoice import service as einvoice_service
from faktura.email import delivery, reminders, service
from faktura.email.smtp import Transient, deliver, mime_of
from faktura.jobs.kinds import JobContext, JobKind, PeriodicTask, Registry, every_interval
from faktura.pdfs import service as pdfs_service
from faktura.pdfs.render import RenderFailed
from faktura.pdfs.storage import FileMissing, file_store

# A server that does not answer, or answers 4xx, is tried again after 1, 5, 15 and 30
# minutes, then every 2 hours: 8 attempts over about 8 hours.
ATTEMPTS = 8
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(minutes=30),
    timedelta(hours=2),
)


class TryAgain(Exception):
    """The mail server did not take the message this time (the kind's back-off applies)."""


async def _attachment(
    ctx: JobContext, tenant: Tenant, outgoing: delivery.Outgoing
) -> tuple[str, bytes]:
    """The archived PDF (read without a write transaction), else archived now."""
    store = file_store(ctx.settings)
    async with ctx.db.transaction(writes=False) as session:
        archived = await pdfs_service.archived_pdf(
            session, tenant, store, outgoing.doc_type, outgoing.document_id
        )
    if archived is not None:
        return archived.filename, archived.data
    async with ctx.db.transaction() as session:
        pdf = await pdfs_service.pdf_of(
            session, tenant, store, outgoing.doc_type, outgoing.document_id
        )
    assert pdf is not None  # only a conditional request answers None
    return pdf.filename, pdf.data


async def _attachments(
    ctx: JobContext, tenant: Tenant, outgoing: delivery.Outgoing
) -> list[tuple[str, bytes, str]]:
    """The PDF the message asks for, and the e-invoice the account sends with invoices and
    credit notes (a Factur-X is the PDF carrying it, so it stands in for the PDF)."""
    found: list[tuple[str, bytes, str]] = []
    if outgoing.attach_pdf and outgoing.einvoice != einvoice_service.FACTURX:
        filename, data = await _attachment(ctx, tenant, outgoing)
        found.append((filename, data, "application/pdf"))
    if outgoing.einvoice:
        async with ctx.db.transaction() as session:
            filename, data = await einvoice_service.export(
                session,
                tenant,
                file_store(ctx.settings),
                outgoing.doc_type,
                outgoing.document_id,
                outgoing.einvoice,
            )
        media_type = "application/pdf" if filename.endswith(".pdf") else "application/xml"
        found.append((filename, data, media_type))
    return found


async def _deliver(ctx: JobContext) -> None:
    tenant = ctx.tenant
    message_id = uuid.UUID(ctx.payload["message_id"])
    async with ctx.db.transaction() as session:
        outgoing = await delivery.prepare(session, ctx.settings, tenant, message_id)
    if outgoing is None:
        ctx.report(sent=False)
        return
    if isinstance(outgoing, delivery.Wait):
        ctx.report(sent=False, waiting_for="clearance")
        ctx.run_again(utcnow() + outgoing.delay)
        async with ctx.finishing():
            return
    letter = outgoing.letter
    if outgoing.attach_pdf or outgoing.einvoice:
        try:
            attachments = await _attachments(ctx, tenant, outgoing)
        except (FakturaError, RenderFailed, FileMissing) as exc:
            # No attachment, no message: tried again like a server that did not answer, then
            # failed.
            reason = f"the attachment could not be made: {exc}"
            ctx.report(attached=False, error=reason[:200])
            if ctx.attempts < ATTEMPTS:
                async with ctx.db.transaction() as session:
                    await delivery.record_retry(session, tenant, message_id, error=reason)
                raise TryAgain(reason) from exc
            async with ctx.finishing() as session:
                await delivery.record_failure(session, tenant, message_id, reason)
            return
        letter = delivery.with_attachments(letter, attachments)
    outcome = await deliver(
        outgoing.server,
        mime_of(letter),
        outgoing.sender,
        outgoing.recipients,
        ctx.settings.smtp_timeout_seconds,
    )
    ctx.report(answer=outcome.response[:200])
    if isinstance(outcome, Transient) and ctx.attempts < ATTEMPTS:
        async with ctx.db.transaction() as session:
            await delivery.record_retry(session, tenant, message_id, response=outcome.response)
        raise TryAgain(outcome.response)
    async with ctx.finishing() as session:
        await delivery.record_outcome(session, tenant, message_id, outcome)


async def _send_reminders(ctx: JobContext) -> None:
    created = await reminders.run(ctx.db, ctx.settings)
    ctx.report(reminders_created=created)


DELIVER = JobKind(service.DELIVER_KIND, _deliver, max_attempts=ATTEMPTS, backoff=BACKOFF)
REMINDERS = JobKind("email.reminders", _send_reminders)


def register(registry: Registry) -> None:
    registry.register(DELIVER)
    registry.register(REMINDERS)
    registry.register_periodic(PeriodicTask(REMINDERS.name, every_interval))
