"""Email figures: messages per second from the queue to a loopback SMTP sink, each with a
one-page PDF attached; and the send request's latency next to an invoice retrieve (and, for
scale, next to creating a tag: the smallest other write).

    python -m bench.mail [--db sqlite|postgresql] [--messages 600] [--out bench/results]
                         [--name mail]

The sink is aiosmtpd in a process of its own (it would otherwise share the worker's
interpreter). The worker is Faktura's, run in this process with only the delivery kind.
Targets (docs/performance.md): ≥ 200 messages/s; a send within 1.2 × a retrieve.
"""

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.run import (
    PG_SERVER,
    RESULTS,
    Database,
    _env,
    _faktura,
    _free_port,
    _pg_admin,
    _seed,
    make_database,
    write_figures,
)

DOCUMENTS = 10  # messages are about these (their PDFs rendered once, before timing)
LATENCY_SAMPLES = 200
WORKER_CONCURRENCY = 50


def _sink(port: int) -> None:
    """A mail server that accepts everything and keeps nothing."""
    from aiosmtpd.controller import Controller

    class Accept:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            return "250 OK"

    controller = Controller(Accept(), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


def _median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 2)


async def _measure(url: str, files: Path, sink_url: str, messages: int) -> dict[str, Any]:
    import httpx

    from faktura.app import create_app
    from faktura.config import Settings
    from faktura.email.jobs import DELIVER
    from faktura.jobs.kinds import Registry, registry
    from faktura.wiring import wire
    from faktura.worker.runner import JobWorker

    wire()
    figures: dict[str, Any] = {}
    settings = Settings(database_url=url, files_dir=files, test_smtp_url=sink_url)
    app = create_app(settings)
    db = app.state.runtime.db
    seeded = json.loads(_seed(["--customers", "5", "--invoices", "20"], _env(url)))
    headers = {"Authorization": f"Bearer {seeded['key']}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench", headers=headers
    ) as client:
        invoices = (await client.get(f"/v1/invoices?per_page={DOCUMENTS}")).json()["data"]
        for invoice in invoices:  # one page each, archived before the clock starts
            generated = await client.post(
                f"/v1/invoices/{invoice['id']}/pdf", json={"action": "generate_pdf"}
            )
            assert generated.status_code == 200, generated.text
        retrieves, sends, writes = [], [], []
        for n in range(LATENCY_SAMPLES):
            invoice = invoices[n % len(invoices)]
            started = time.perf_counter()
            response = await client.get(f"/v1/invoices/{invoice['id']}")
            retrieves.append(time.perf_counter() - started)
            assert response.status_code == 200
            started = time.perf_counter()
            response = await client.post(f"/v1/invoices/{invoice['id']}/send", json={})
            sends.append(time.perf_counter() - started)
            assert response.status_code == 202, response.text
            started = time.perf_counter()
            response = await client.post("/v1/tags", json={"name": f"bench-{n}"})
            writes.append(time.perf_counter() - started)
            assert response.status_code == 201, response.text
        figures["retrieve_p50_ms"] = _median_ms(retrieves)
        figures["send_p50_ms"] = _median_ms(sends)
        figures["send_over_retrieve"] = round(
            statistics.median(sends) / statistics.median(retrieves), 2
        )
        # The smallest other write of the API, for scale: a tag (one row and its event).
        figures["create_tag_p50_ms"] = _median_ms(writes)
        figures["send_over_create_tag"] = round(
            statistics.median(sends) / statistics.median(writes), 2
        )
        for n in range(messages - LATENCY_SAMPLES):
            invoice = invoices[n % len(invoices)]
            response = await client.post(f"/v1/invoices/{invoice['id']}/send", json={})
            assert response.status_code == 202
        only = Registry()
        only.register(registry.get(DELIVER.name))
        worker_settings = settings.model_copy(update={"worker_concurrency": WORKER_CONCURRENCY})
        started = time.perf_counter()
        outcomes = await JobWorker(db, worker_settings, kinds=only).run_once()
        elapsed = time.perf_counter() - started
        sent = (await client.get("/v1/messages?status=sent&per_page=1&include_total=true")).json()
        figures["messages"] = len(outcomes)
        figures["sent"] = sent["total"]
        figures["seconds"] = round(elapsed, 2)
        figures["messages_per_second"] = round(len(outcomes) / elapsed, 1)
    await db.dispose()
    return figures


def _database(kind: str) -> Database:
    """A database of its own (not the smoke benchmark's, which may be running beside it)."""
    if kind != "postgresql":
        return make_database(kind, smoke=True)
    name = "faktura_bench_mail"
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _pg_admin(f'CREATE DATABASE "{name}"')
    return Database(kind, f"{PG_SERVER}/{name}", name=name)


def run(kind: str, messages: int) -> dict[str, Any]:
    database = _database(kind)
    env = _env(database.url)
    _faktura(["migrate"], env)
    port = _free_port()
    sink = subprocess.Popen(  # noqa: S603 (this script)
        [sys.executable, "-m", "bench.mail", "--sink", str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert sink.stdout is not None
        sink.stdout.readline()  # ready
        files = Path(tempfile.mkdtemp(prefix="faktura-bench-email-"))
        figures = asyncio.run(_measure(database.url, files, f"smtp://127.0.0.1:{port}", messages))
        print(f"  email ({kind}): {figures}", flush=True)
        return figures
    finally:
        sink.terminate()
        sink.wait(timeout=10)
        database.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--name", default="mail", help="the result file: <date>-<name>.json")
    parser.add_argument("--sink", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        _sink(args.sink)
        return
    email = {kind: run(kind, args.messages) for kind in args.db or ["sqlite"]}
    write_figures(args.out, args.name, {"email": email})


if __name__ == "__main__":
    main()
