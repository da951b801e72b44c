"""`faktura jobs list | retry` as an operator uses them, on a database of their own."""

import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import update

from faktura.db.migrate import upgrade_to_head
from faktura.db.session import database_from_url
from faktura.jobs import service
from faktura.jobs.models import Job
from tests.test_cli import faktura

pytestmark = pytest.mark.slow  # starts processes: `make test-fast` leaves it out


async def test_a_failed_job_is_listed_with_its_error_and_retried(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'jobs.db'}"
    upgrade_to_head(url)
    db = database_from_url(url)
    try:
        async with db.transaction() as session:
            failed = service.enqueue(session, "documents.mark_overdue", {})
            service.enqueue(session, "documents.mark_overdue", {})
            await session.flush()
            await session.execute(
                update(Job)
                .where(Job.id == failed.id)
                .values(status="failed", attempts=10, last_error="ValueError: broken")
            )
    finally:
        await db.dispose()

    listed = faktura(url, "jobs", "list", "--status", "failed", "--json")
    retried = faktura(url, "jobs", "retry", str(failed.id), "--json")
    again = faktura(url, "jobs", "retry", str(failed.id))
    unknown = faktura(url, "jobs", "retry", str(uuid.uuid4()))
    bad_status = faktura(url, "jobs", "list", "--status", "lost")

    assert listed.returncode == 0, listed.stderr
    [row] = json.loads(listed.stdout)
    assert (row["id"], row["kind"], row["status"], row["attempts"], row["last_error"]) == (
        str(failed.id),
        "documents.mark_overdue",
        "failed",
        10,
        "ValueError: broken",
    )
    assert retried.returncode == 0, retried.stderr
    shown = json.loads(retried.stdout)
    assert (shown["status"], shown["attempts"]) == ("queued", 0)
    assert again.returncode == 1
    assert again.stderr.strip() == "Error: Only a failed job can be retried; this one is queued"
    assert unknown.returncode == 1
    assert unknown.stderr.strip().startswith("Error: No such job: ")
    assert bad_status.returncode == 2
