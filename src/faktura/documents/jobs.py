"""Documents' background work: the overdue sweep, a periodic job (worker/schedule.py)."""

from faktura.documents import balance
from faktura.jobs.kinds import JobContext, JobKind, PeriodicTask, Registry, every_interval

BATCH = 1000


async def _mark_overdue(ctx: JobContext) -> None:
    """Pending invoices past due → overdue, a batch per transaction so the locks stay short;
    a run cut short is finished by the next (each batch is done for good when it commits)."""
    moved = 0
    while True:
        async with ctx.db.transaction() as session:
            batch = await balance.mark_overdue_invoices(session, limit=BATCH)
        moved += batch
        if batch < BATCH:
            break
    ctx.report(invoices_marked_overdue=moved)


MARK_OVERDUE = JobKind("documents.mark_overdue", _mark_overdue)


def register(registry: Registry) -> None:
    registry.register(MARK_OVERDUE)
    registry.register_periodic(PeriodicTask(MARK_OVERDUE.name, every_interval))
