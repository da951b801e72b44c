"""Documents to print, and running the archive job as the worker would."""

from faktura.config import Settings
from faktura.db.session import Database
from faktura.jobs.kinds import Registry, registry
from faktura.pdfs.jobs import ARCHIVE
from faktura.worker.runner import JobWorker, RunOutcome
from tests.accounts.factories import ApiClient


async def rate_ids(api: ApiClient) -> dict[str, str]:
    """The account's VAT rates: name → id."""
    rates = (await api.get("/v1/account")).json()["vat_rates"]
    return {rate["name"]: rate["id"] for rate in rates}


async def run_archive_jobs(db: Database, settings: Settings) -> list[RunOutcome]:
    """Run the due PDF archive jobs (and no other kind), as a worker would."""
    only = Registry()
    only.register(registry.get(ARCHIVE.name))
    return await JobWorker(db, settings, kinds=only).run_once()
