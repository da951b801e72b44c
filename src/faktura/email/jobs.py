"""Email's background work: delivering messages (a job per message, due at its scheduled time,
run in batches) and the reminder scheduler (a periodic job).

A batch of due messages goes in four steps: one transaction decides and renders them all and
marks them `sending` (ending the jobs of those settled without a server); their attachments
are read, each document's once; they go to their mail servers, one connection per server;
one transaction records every answer and ends the jobs. Each message keeps its own job: a
message that cannot be rendered, attached or recorded fails its own job and no other — when
a step's shared transaction fails, the step is done again one message at a time.
"""

import asyncio
import dataclasses
import logging
import traceback
import uuid
import weakref
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.core.clock import utcnow
from faktura.core.errors import FakturaError
from faktura.core.tenant import Tenant
from faktura.einvoice import service as einvoice_service
from faktura.email import delivery, reminders, service
from faktura.email.mime import message_of
from faktura.email.smtp import Outcome, SmtpServer, Transient, deliver
from faktura.jobs.kinds import JobBatch, JobContext, JobKind, PeriodicTask, Registry, every_interval
from faktura.pdfs import service as pdfs_service
from faktura.pdfs.render import RenderFailed
from faktura.pdfs.storage import FileMissing, file_store

logger = logging.getLogger("faktura.email")

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
# Due messages one run takes; after the first message to a server, another conversation is
# begun only while the run has this long left beyond the SMTP timeout (to record the answers).
BATCH_SIZE = 100
RECORDING_SECONDS = 5.0

Attachment = tuple[str, bytes, str]


def _describe(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(exc)).strip()


def _wanted(run: JobContext) -> delivery.Wanted:
    return delivery.Wanted(run.tenant, uuid.UUID(run.payload["message_id"]))


async def _each_or_alone(
    batch: JobBatch,
    runs: list[JobContext],
    step: Callable[[AsyncSession, list[JobContext]], Awaitable[None]],
) -> None:
    """`step` for all `runs` in one transaction that also ends the runs it gives a verdict; if
    that transaction fails, `step` for each run in a transaction of its own, so that what
    breaks it fails only its own job."""
    try:
        async with batch.finishing(runs) as session:
            await step(session, runs)
        return
    except Exception:
        if len(runs) == 1:
            raise
        logger.exception("a step of %d deliveries failed; each goes alone", len(runs))
    for run in runs:
        run.verdict = run.error = run.run_again_at = None
        try:
            async with batch.finishing([run]) as session:
                await step(session, [run])
        except Exception as exc:
            logger.exception("delivery job %s failed", run.job_id)
            run.fail(_describe(exc))


async def _attachment(
    batch: JobBatch, tenant: Tenant, outgoing: delivery.Outgoing, read: dict[object, Attachment]
) -> Attachment:
    """The archived PDF (read without a write transaction, once per document), else archived
    now."""
    key = (tenant, outgoing.doc_type, outgoing.document_id)
    if key in read:
        return read[key]
    store = file_store(batch.runs[0].settings)
    async with batch.db.transaction(writes=False) as session:
        archived = await pdfs_service.archived_pdf(
            session, tenant, store, outgoing.doc_type, outgoing.document_id
        )
    if archived is not None:
        found = (archived.filename, archived.data, "application/pdf")
    else:
        async with batch.db.transaction() as session:
            pdf = await pdfs_service.pdf_of(
                session, tenant, store, outgoing.doc_type, outgoing.document_id
            )
        assert pdf is not None  # only a conditional request answers None
        found = (pdf.filename, pdf.data, "application/pdf")
    read[key] = found
    return found


async def _attachments(
    batch: JobBatch, tenant: Tenant, outgoing: delivery.Outgoing, read: dict[object, Attachment]
) -> list[Attachment]:
    """The PDF the message asks for, and the e-invoice the account sends with invoices and
    credit notes (a Factur-X is the PDF carrying it, so it stands in for the PDF)."""
    found: list[Attachment] = []
    if outgoing.attach_pdf and outgoing.einvoice != einvoice_service.FACTURX:
        found.append(await _attachment(batch, tenant, outgoing, read))
    if outgoing.einvoice:
        async with batch.db.transaction() as session:
            filename, data = await einvoice_service.export(
                session,
                tenant,
                file_store(batch.runs[0].settings),
                outgoing.doc_type,
                outgoing.document_id,
                outgoing.einvoice,
            )
        media_type = "application/pdf" if filename.endswith(".pdf") else "application/xml"
        found.append((filename, data, media_type))
    return found


class _Delivery:
    """One batch's messages on their way: what each run's message became at each step."""

    def __init__(self, batch: JobBatch):
        self.batch = batch
        self.settings = batch.runs[0].settings
        self.outgoing: dict[uuid.UUID, delivery.Outgoing] = {}  # by job id
        self.results: dict[uuid.UUID, delivery.Result] = {}  # by job id

    async def prepare(self, session: AsyncSession, runs: list[JobContext]) -> None:
        prepared = await delivery.prepare(session, self.settings, [_wanted(run) for run in runs])
        for run in runs:
            found = prepared[_wanted(run).message_id]
            if isinstance(found, Exception):
                run.fail(_describe(found))
            elif isinstance(found, delivery.Wait):
                run.report(sent=False, waiting_for="clearance")
                run.run_again(utcnow() + found.delay)
            elif found is None:
                run.report(sent=False)
                run.done()
            else:
                self.outgoing[run.job_id] = found

    async def attach(self, runs: list[JobContext]) -> None:
        """Attachments, each document's read once; a message whose attachment cannot be made
        is tried again like a server that did not answer, then failed — never sent without."""
        read: dict[object, Attachment] = {}
        for run in runs:
            outgoing = self.outgoing[run.job_id]
            if not (outgoing.attach_pdf or outgoing.einvoice):
                continue
            try:
                attachments = await _attachments(self.batch, run.tenant, outgoing, read)
            except (FakturaError, RenderFailed, FileMissing) as exc:
                reason = f"the attachment could not be made: {exc}"
                run.report(attached=False, error=reason[:200])
                del self.outgoing[run.job_id]
                if run.attempts < ATTEMPTS:
                    self.results[run.job_id] = delivery.TryLater(error=reason)
                else:
                    self.results[run.job_id] = delivery.FailedBefore(reason)
                continue
            except Exception as exc:
                logger.exception("delivery job %s failed", run.job_id)
                del self.outgoing[run.job_id]
                run.fail(_describe(exc))  # left `sending`: its next run sends it
                continue
            self.outgoing[run.job_id] = outgoing_with(outgoing, attachments)

    async def send(self, runs: list[JobContext]) -> None:
        """One conversation at a time per server, the servers side by side."""
        by_server: dict[SmtpServer, list[JobContext]] = {}
        for run in runs:
            by_server.setdefault(self.outgoing[run.job_id].server, []).append(run)
        await asyncio.gather(*(self._send_to(server, queue) for server, queue in by_server.items()))

    async def _send_to(self, server: SmtpServer, runs: list[JobContext]) -> None:
        seconds = self.settings.smtp_timeout_seconds
        down: Transient | None = None
        for number, run in enumerate(runs):
            if down is not None:
                outcome: Outcome = down  # no connection could be made: not tried again now
            elif number and self.batch.seconds_left() < seconds + RECORDING_SECONDS:
                self.results[run.job_id] = delivery.NotTried()
                continue
            else:
                outcome = await self._converse(self.outgoing[run.job_id], seconds)
                if isinstance(outcome, Transient) and not outcome.connected:
                    down = outcome
            run.report(answer=outcome.response[:200])
            if isinstance(outcome, Transient) and run.attempts < ATTEMPTS:
                self.results[run.job_id] = delivery.TryLater(response=outcome.response)
            else:
                self.results[run.job_id] = outcome

    async def _converse(self, outgoing: delivery.Outgoing, seconds: float) -> Outcome:
        try:
            return await asyncio.wait_for(
                deliver(
                    outgoing.server,
                    message_of(outgoing.letter),
                    outgoing.sender,
                    outgoing.recipients,
                    seconds,
                ),
                seconds,
            )
        except TimeoutError:
            return Transient(f"no answer within {seconds:g} s")

    async def record(self, session: AsyncSession, runs: list[JobContext]) -> None:
        results = {run.job_id: self.results[run.job_id] for run in runs}
        await delivery.record(session, {_wanted(run): results[run.job_id] for run in runs})
        for run in runs:
            result = results[run.job_id]
            if isinstance(result, delivery.NotTried):
                run.release()
            elif isinstance(result, delivery.TryLater):
                run.fail(result.error or result.response or "tried again later")
            else:
                run.done()


def outgoing_with(outgoing: delivery.Outgoing, attachments: list[Attachment]) -> delivery.Outgoing:
    letter = delivery.with_attachments(outgoing.letter, attachments)
    return dataclasses.replace(outgoing, letter=letter)


_turns: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]" = (
    weakref.WeakKeyDictionary()
)


def _database_turn() -> asyncio.Lock:
    """One batch of this process at a time decides or records (per event loop): that work is
    the process's own CPU, which batches side by side would only share, all deciding together
    and then all waiting on the mail servers together; taking turns, one batch's messages go
    out while the next one's are decided."""
    loop = asyncio.get_running_loop()
    turn = _turns.get(loop)
    if turn is None:
        turn = _turns[loop] = asyncio.Lock()
    return turn


async def _deliver(batch: JobBatch) -> None:
    work = _Delivery(batch)
    async with _database_turn():
        await _each_or_alone(batch, batch.runs, work.prepare)
    going = [run for run in batch.runs if run.job_id in work.outgoing]
    await work.attach(going)
    going = [run for run in going if run.job_id in work.outgoing]
    await work.send(going)
    answered = [run for run in batch.runs if run.job_id in work.results]
    if answered:
        async with _database_turn():
            await _each_or_alone(batch, answered, work.record)


async def _send_reminders(ctx: JobContext) -> None:
    created = await reminders.run(ctx.db, ctx.settings)
    ctx.report(reminders_created=created)


DELIVER = JobKind(
    service.DELIVER_KIND,
    None,
    max_attempts=ATTEMPTS,
    backoff=BACKOFF,
    batch=_deliver,
    batch_size=BATCH_SIZE,
)
REMINDERS = JobKind("email.reminders", _send_reminders)


def register(registry: Registry) -> None:
    registry.register(DELIVER)
    registry.register(REMINDERS)
    registry.register_periodic(PeriodicTask(REMINDERS.name, every_interval))
