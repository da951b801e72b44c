"""The renderer process ends with the process it renders for, even when that one is killed."""

import asyncio
import signal
import time
from pathlib import Path

import pytest

from faktura.config import Settings
from faktura.db.session import Database
from tests.accounts.factories import ApiClient
from tests.documents.factories import create_document
from tests.jobs.helpers import put_off
from tests.workers import worker_process

pytestmark = pytest.mark.slow  # starts processes: `make test-fast` leaves it out


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(child) for child in text]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not _alive(pid)


async def test_a_killed_worker_leaves_no_renderer_behind(
    api: ApiClient, db: Database, settings: Settings, migrated_url: str
) -> None:
    invoice = await create_document(api)
    await put_off(db, "pdfs.archive", api.account_id, every_kind=True)

    with worker_process(
        migrated_url, lease_seconds=30, files_dir=str(settings.files_dir)
    ) as worker:
        deadline = time.monotonic() + 30
        while (await api.get(f"/v1/invoices/{invoice['id']}")).json()["pdf"]["status"] != "ready":
            assert time.monotonic() < deadline, "the PDF was not archived"
            await asyncio.sleep(0.1)
        children = _children(worker.pid)  # the renderer, and multiprocessing's resource tracker
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=5)
        gone = [_gone_within(child, seconds=10) for child in children]

    assert children
    assert gone == [True] * len(children)
