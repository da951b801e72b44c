"""A worker killed (SIGKILL) while the authority holds its submission: the next worker's run
clears the document once.

myDATA: the retry asks RequestTransmittedDocs first and takes the MARK AADE already gave; one
SendInvoices reaches AADE. ITA: the retry carries the same Invoice_ID, and the (test)
authority answers it with the allocation number it already gave.
"""

import asyncio
import signal
import time
from collections.abc import Callable

import pytest

from faktura.clearance.jobs import SUBMIT
from faktura.config import Settings
from faktura.db.session import Database
from tests.accounts.factories import ApiClient
from tests.clearance.conftest import greek_buyer, greek_seller
from tests.clearance.fake_aade import FakeAade
from tests.clearance.fake_ita import TEST_DEALER, FakeIta
from tests.clearance.test_ita import _grant, _israeli_seller
from tests.clearance.test_ita import _issue as _issue_israeli
from tests.documents.factories import create_document, exact, line
from tests.jobs.helpers import put_off
from tests.workers import worker_process

pytestmark = pytest.mark.slow  # starts processes: `make test-fast` leaves it out


def _wait(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the worker never reached the authority"
        time.sleep(0.05)


async def _cleared(api: ApiClient, document_id: str, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        shown: dict = exact(await api.get(f"/v1/invoices/{document_id}"))
        if shown["clearance"]["status"] != "pending" or time.monotonic() > deadline:
            return shown
        await asyncio.sleep(0.1)


def _kill_while_held(migrated_url: str, settings: Settings, reached: Callable[[], bool]) -> None:
    with worker_process(migrated_url, files_dir=str(settings.files_dir)) as first:
        _wait(reached, 20)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=5)


async def test_myDATA_clears_once_after_a_worker_dies_mid_submission(
    api: ApiClient, db: Database, settings: Settings, aade: FakeAade, migrated_url: str
) -> None:
    rates = await greek_seller(api, aade)
    invoice = await create_document(
        api,
        customer_id=await greek_buyer(api),
        status="pending",
        line_items=[line(vat_rate_id=rates["Standard"])],
    )
    await put_off(db, SUBMIT.name, api.account_id, every_kind=True)
    aade.hold_seconds = 2.5  # AADE keeps the invoice, then waits before answering

    _kill_while_held(migrated_url, settings, lambda: len(aade.stored) == 1)
    aade.hold_seconds = 0
    in_flight = exact(await api.get(f"/v1/invoices/{invoice['id']}"))
    with worker_process(migrated_url, files_dir=str(settings.files_dir)):
        shown = await _cleared(api, invoice["id"], seconds=20)

    assert in_flight["clearance"]["status"] == "pending"
    [stored] = aade.stored
    assert aade.requests.count(("POST", "/SendInvoices")) == 1
    assert ("GET", "/RequestTransmittedDocs") in aade.requests
    assert (shown["clearance"]["status"], shown["clearance"]["reference"]) == (
        "cleared",
        str(stored.mark),
    )


async def test_ita_gives_one_number_after_a_worker_dies_mid_request(
    api: ApiClient, db: Database, settings: Settings, ita: FakeIta, migrated_url: str
) -> None:
    rates = await _israeli_seller(api, ita)
    await _grant(api)
    invoice = await _issue_israeli(api, rates, str(TEST_DEALER), "12000.00")
    await put_off(db, SUBMIT.name, api.account_id, every_kind=True)
    ita.hold_seconds = 2.5

    _kill_while_held(migrated_url, settings, lambda: len(ita.given) == 1)
    ita.hold_seconds = 0
    with worker_process(migrated_url, files_dir=str(settings.files_dir)):
        shown = await _cleared(api, invoice["id"], seconds=20)

    assert len(ita.approvals) == 2  # the request was repeated…
    assert list(ita.given) == [invoice["id"]]  # …and one number given
    assert (shown["clearance"]["status"], shown["clearance"]["reference"]) == (
        "cleared",
        ita.given[invoice["id"]],
    )
