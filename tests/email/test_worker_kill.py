"""A worker killed (SIGKILL) while the mail server holds its message: the next worker sends it.

The server had the whole message when the worker died — it had not answered DATA yet — so the
recipient may get it twice: the report of this test. Both copies carry the same Message-ID,
which is how a receiver (or the recipient's mail client) drops the repeat.
"""

import asyncio
import signal
import time

import pytest

from faktura.config import Settings
from faktura.db.session import Database
from faktura.email.jobs import DELIVER
from tests.accounts.factories import ApiClient
from tests.email.factories import address, invoice_to, message, send
from tests.email.sink import Sink
from tests.jobs.helpers import put_off
from tests.workers import worker_process

pytestmark = pytest.mark.slow  # starts processes: `make test-fast` leaves it out


async def _until_settled(api: ApiClient, message_id: str, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        found = await message(api, message_id)
        if found["status"] not in ("queued", "sending") or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.1)


async def test_a_killed_worker_leaves_its_message_to_the_next(
    api: ApiClient, db: Database, sink: Sink, settings: Settings, migrated_url: str
) -> None:
    to = address("kill")
    invoice = await invoice_to(api, to)
    queued = await send(api, invoice, attach_pdf=False)
    await put_off(db, DELIVER.name, api.account_id, every_kind=True)
    options = {
        "test_smtp_url": sink.url,
        "files_dir": str(settings.files_dir),
    }

    sink.set_data_delay(2.5)  # the server keeps the message, then waits before its 250
    try:
        with worker_process(migrated_url, **options) as first:
            [held] = sink.wait_for(to, 1)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=5)
    finally:
        sink.set_data_delay(0)
    in_flight = await message(api, queued["id"])
    with worker_process(migrated_url, **options):
        received = sink.wait_for(to, 2)
        sent = await _until_settled(api, queued["id"], seconds=15)

    assert in_flight["status"] == "sending"
    assert in_flight["attempts"] == 1
    assert sent["status"] == "sent"
    assert sent["attempts"] == 2
    assert len(received) == 2  # a duplicate reached the server…
    # …with the Message-ID of the first: the receiver drops the repeat by it.
    assert [r.message["Message-ID"] for r in received] == [sent["message_id"]] * 2
    assert held.message["Message-ID"] == sent["message_id"]


async def test_a_worker_killed_mid_batch_leaves_every_unrecorded_message_to_the_next(
    api: ApiClient, db: Database, sink: Sink, settings: Settings, migrated_url: str
) -> None:
    """A batch of three: the worker dies while the server holds the first; none of the three
    is recorded, so the next worker sends all three — the first one a second time."""
    tos = [address("kill") for _ in range(3)]
    queued = [await send(api, await invoice_to(api, to), attach_pdf=False) for to in tos]
    await put_off(db, DELIVER.name, api.account_id, every_kind=True)
    options = {
        "test_smtp_url": sink.url,
        "files_dir": str(settings.files_dir),
    }

    sink.set_data_delay(2.5)
    try:
        with worker_process(migrated_url, **options) as first:
            [held] = sink.wait_for(tos[0], 1)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=5)
    finally:
        sink.set_data_delay(0)
    in_flight = [await message(api, sent["id"]) for sent in queued]
    with worker_process(migrated_url, **options):
        received = [sink.wait_for(to, 2 if n == 0 else 1) for n, to in enumerate(tos)]
        sent = [await _until_settled(api, q["id"], seconds=15) for q in queued]

    assert [(m["status"], m["attempts"]) for m in in_flight] == [("sending", 1)] * 3
    assert [(m["status"], m["attempts"]) for m in sent] == [("sent", 2)] * 3
    assert [len(r) for r in received] == [2, 1, 1]
    assert [r.message["Message-ID"] for r in received[0]] == [sent[0]["message_id"]] * 2
    assert held.message["Message-ID"] == sent[0]["message_id"]
