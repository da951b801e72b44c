"""Jobs that run on a schedule: by `faktura jobs run-due`, or inside `faktura serve`."""

import asyncio
import logging

from faktura.api import idempotency
from faktura.db.session import Database
from faktura.documents import service as documents_service

logger = logging.getLogger("faktura.schedule")

BATCH = 1000


async def run_due_jobs(db: Database) -> dict[str, int]:
    """Run every due job once, each batch in its own transaction; return what each did."""
    overdue = 0
    while True:
        async with db.transaction() as session:
            moved = await documents_service.mark_overdue_invoices(session, limit=BATCH)
        overdue += moved
        if moved < BATCH:
            break
    async with db.transaction() as session:
        purged = await idempotency.purge_expired(session)
    return {"invoices_marked_overdue": overdue, "idempotency_keys_purged": purged}


async def run_forever(db: Database, interval_seconds: float) -> None:
    """The in-process scheduler of `faktura serve`: a failed round is logged, never fatal."""
    while True:
        try:
            done = await run_due_jobs(db)
            if any(done.values()):
                logger.info("scheduled jobs: %s", done)
        except Exception:
            logger.exception("scheduled jobs failed; retrying next round")
        await asyncio.sleep(interval_seconds)
