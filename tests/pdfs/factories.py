"""Documents to print, images to brand them with, and running the archive job as the worker
would."""

import base64
import io
import uuid

from PIL import Image

from faktura.config import Settings
from faktura.db.session import Database
from faktura.pdfs.jobs import ARCHIVE
from faktura.worker.runner import RunOutcome
from tests.accounts.factories import ApiClient
from tests.jobs.helpers import run_account_jobs


async def rate_ids(api: ApiClient) -> dict[str, str]:
    """The account's VAT rates: name → id."""
    rates = (await api.get("/v1/account")).json()["vat_rates"]
    return {rate["name"]: rate["id"] for rate in rates}


async def run_archive_jobs(
    db: Database, settings: Settings, account_id: uuid.UUID
) -> list[RunOutcome]:
    """Run the account's due PDF archive jobs (and no other kind), as a worker would: earlier
    tests' documents are put off, not rendered here."""
    return await run_account_jobs(db, settings, ARCHIVE.name, account_id)


def image(kind: str = "PNG", width: int = 120, height: int = 40) -> bytes:
    """A real image of that format and size: a coloured band, as a logo might be."""
    picture = Image.new("RGB", (width, height), (31, 78, 121))
    out = io.BytesIO()
    picture.save(out, format=kind)
    return out.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
