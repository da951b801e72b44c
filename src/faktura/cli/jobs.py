"""`faktura jobs run-due | list | retry`."""

from typing import Any, Literal

import typer

from faktura.cli.common import (
    JSON_OPTION,
    console,
    emit,
    in_transaction,
    parse_id,
    run,
    wire,
)
from faktura.config import Settings

# The statuses of jobs.service.STATUSES, as choices of `jobs list --status` (a test holds them).
JobStatus = Literal["queued", "running", "succeeded", "failed"]

app = typer.Typer(help="Background jobs: list, retry, run what is due.", no_args_is_help=True)


@app.command("run-due")
def run_due(as_json: bool = JSON_OPTION) -> None:
    """Enqueue this period's periodic jobs, run every due job once, print what they did.

    For cron, with FAKTURA_SCHEDULER_INTERVAL_SECONDS=0 and no worker running.
    """
    from faktura.db.session import database_from_settings
    from faktura.jobs.kinds import registry
    from faktura.worker import schedule
    from faktura.worker.runner import JobWorker

    wire()

    async def work(settings: Settings) -> dict[str, Any]:
        db = database_from_settings(settings, pool_size=2)
        try:
            await schedule.tick(db, settings, registry)
            outcomes = await JobWorker(db, settings).run_once()
        finally:
            await db.dispose()
        summary: dict[str, Any] = {"jobs_run": len(outcomes), "by_status": {}, "results": {}}
        for outcome in outcomes:
            by_status = summary["by_status"].setdefault(outcome.status, {})
            by_status[outcome.kind] = by_status.get(outcome.kind, 0) + 1
            for name, count in (outcome.result or {}).items():
                if isinstance(count, int | float) and not isinstance(count, bool):
                    summary["results"][name] = summary["results"].get(name, 0) + count
        return summary

    done = run(work)
    human = f"Ran {done['jobs_run']} jobs: " + (
        ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in done["results"].items()) or "nothing"
    )
    emit(done, as_json, human)


@app.command("list")
def list_jobs(
    status: JobStatus | None = typer.Option(None, help="Only jobs in this status (default: all)"),
    kind: str | None = typer.Option(None, help="Only jobs of this kind"),
    limit: int = typer.Option(50, min=1, max=1000, help="Newest first, at most this many"),
    as_json: bool = JSON_OPTION,
) -> None:
    """List jobs, newest first: what is waiting, running, done and failed (with the error)."""
    from faktura.jobs import service

    if status is not None and status not in service.STATUSES:
        raise typer.BadParameter(
            f"must be one of {', '.join(service.STATUSES)}", param_hint="--status"
        )

    async def work(session: Any) -> list[dict[str, Any]]:
        jobs = await service.list_jobs(session, status=status, kind=kind, limit=limit)
        return [service.job_out(job) for job in jobs]

    rows = run(lambda settings: in_transaction(settings, work, writes=False))
    if as_json:
        emit(rows, True, "")
        return
    from rich.table import Table

    table = Table("id", "kind", "status", "attempts", "run_at", "last_error")
    for row in rows:
        error = (row["last_error"] or "").splitlines()[-1:] or [""]
        table.add_row(
            row["id"], row["kind"], row["status"], str(row["attempts"]), row["run_at"], error[0]
        )
    console.print(table)


@app.command("retry")
def retry(
    job_id: str = typer.Argument(..., help="Id of a failed job"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Run a failed job again now, with a fresh count of attempts."""
    from faktura.jobs import service

    parsed = parse_id(job_id, "JOB_ID", "a job id")

    async def work(session: Any) -> dict[str, Any]:
        return service.job_out(await service.retry_job(session, parsed))

    data = run(lambda settings: in_transaction(settings, work))
    emit(data, as_json, f"Job {data['id']} ({data['kind']}) is queued to run now.")
