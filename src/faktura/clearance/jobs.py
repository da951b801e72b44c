"""Submitting an issued document to its tax authority, and cancelling a cleared one: jobs run
after the commit that asked for them, talking to the authority outside any transaction."""

import uuid
from dataclasses import replace
from datetime import timedelta

from faktura.clearance import service
from faktura.clearance.authorities import Unreachable
from faktura.jobs.kinds import JobContext, JobKind, Registry

# An authority that does not answer is tried again after 10 s, 1 min, 5 min, 30 min, 2 h and
# 6 h; then the document's clearance is `failed`.
ATTEMPTS = 7
BACKOFF = (
    timedelta(seconds=10),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)


async def _submit(ctx: JobContext) -> None:
    tenant = ctx.tenant
    document_id = uuid.UUID(ctx.payload["document_id"])
    # Any run after the first may follow one that reached the authority before it died.
    async with ctx.db.transaction(writes=False) as session:
        work = await service.work_of(session, tenant, document_id, retried=ctx.attempts > 1)
    if work is not None and work.clearance.get("retried"):
        work = service.Work(work.clearance, replace(work.submission, retried=True), work.row)
    if work is None or work.clearance.get("status") != "pending":
        ctx.report(submitted=False)
        async with ctx.finishing():
            return
    changed = service.settings_changed(work)
    if changed is not None:
        # Never to another authority or environment than the document shows.
        ctx.report(submitted=False, error=changed)
        async with ctx.finishing() as session:
            await service.record_failure(session, tenant, document_id, changed)
        return
    assert work.row is not None
    try:
        authority = await service.authority_for(ctx.db, ctx.settings, ctx.http, work.row)
        outcome = await authority.submit(work.submission)
    except Exception as exc:
        # Unreachable is the expected kind; anything else is a fault, retried the same way.
        # The last attempt leaves the clearance failed, never pending for ever.
        reason = str(exc) if isinstance(exc, Unreachable) else f"{type(exc).__name__}: {exc}"
        ctx.report(submitted=False, error=reason[:200])
        if ctx.attempts < ATTEMPTS:
            raise
        async with ctx.finishing() as session:
            await service.record_failure(session, tenant, document_id, reason)
        return
    ctx.report(status=outcome.status, reference=outcome.reference)
    async with ctx.finishing() as session:
        await service.record_submission(session, tenant, document_id, outcome)


async def _cancel(ctx: JobContext) -> None:
    tenant = ctx.tenant
    document_id = uuid.UUID(ctx.payload["document_id"])
    async with ctx.db.transaction(writes=False) as session:
        work = await service.work_of(session, tenant, document_id, retried=False)
    if work is None or work.clearance.get("status") != "cleared" or work.row is None:
        ctx.report(cancelled=False)
        async with ctx.finishing():
            return
    authority = await service.authority_for(ctx.db, ctx.settings, ctx.http, work.row)
    outcome = await authority.cancel(work.submission.document, work.clearance)
    ctx.report(status=outcome.status, reference=outcome.reference)
    async with ctx.finishing() as session:
        await service.record_cancellation(session, tenant, document_id, outcome)


SUBMIT = JobKind(service.SUBMIT_KIND, _submit, max_attempts=ATTEMPTS, backoff=BACKOFF)
CANCEL = JobKind(service.CANCEL_KIND, _cancel, max_attempts=ATTEMPTS, backoff=BACKOFF)


def register(registry: Registry) -> None:
    registry.register(SUBMIT)
    registry.register(CANCEL)
