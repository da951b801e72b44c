"""PDF figures: render time per page, cold and warm, of a 10-line and a 60-line invoice in
English and Hebrew; and the time from issuing an invoice to its archived PDF with the worker
of `faktura serve` running. (Downloading an archived PDF against the select ceiling is the
`pdf_archived` scenario of bench/run.py.)

    python -m bench.pdf [--db sqlite|postgresql] [--issues 40] [--out bench/results]
                        [--name pdf]     # writes <out>/<date>-<name>.json

Warm figures are the median of WARM_RUNS renders: wall-clock time (warm_ms) and the process's
CPU time (warm_cpu_ms, which other work on the machine inflates less); the load average is
recorded beside them. The PostgreSQL database is one of its own (faktura_bench_pdf), so that
other benchmarks' databases are left alone.

Targets (docs/performance.md): warm render ≤ 100 ms per page; archived within 1 s (p95) of
issue.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.run import (
    BIN,
    PG_SERVER,
    RESULTS,
    ROOT,
    Database,
    Server,
    _env,
    _faktura,
    _free_port,
    _pg_admin,
    _seed,
    make_database,
    write_figures,
)

WARM_RUNS = 10


def _printable(language: str, lines: int) -> Any:
    sys.path.insert(0, str(ROOT))
    from tests.pdfs.golden import printable

    base = printable(language)
    first = base.document["line_items"][0]
    items = [{**first, "description": f"{first['description']} {n}"} for n in range(lines)]
    return replace(base, document={**base.document, "line_items": items})


def _pages(pdf: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def render_times() -> dict[str, Any]:
    from faktura.pdfs.render import render_pdf

    figures: dict[str, Any] = {}
    for language in ("en", "he"):
        for lines in (10, 60):
            name = f"{language}_{lines}_lines"
            # Cold: a new process's first render (fonts loaded, templates compiled).
            cold = subprocess.run(  # noqa: S603 (this script, in a fresh interpreter)
                [sys.executable, "-m", "bench.pdf", "--cold", language, str(lines)],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
                timeout=300,
            )
            cold_ms = float(cold.stdout.strip())
            printable = _printable(language, lines)
            pdf = render_pdf(printable)
            pages = _pages(pdf)
            runs, cpu_runs = [], []
            load = os.getloadavg()[0]
            for _ in range(WARM_RUNS):
                started, cpu_started = time.perf_counter(), time.process_time()
                render_pdf(printable)
                runs.append((time.perf_counter() - started) * 1000)
                cpu_runs.append((time.process_time() - cpu_started) * 1000)
            warm, cpu = statistics.median(runs), statistics.median(cpu_runs)
            figures[name] = {
                "pages": pages,
                "cold_ms": round(cold_ms, 1),
                "warm_ms": round(warm, 1),
                "warm_ms_per_page": round(warm / pages, 1),
                "warm_cpu_ms": round(cpu, 1),
                "warm_cpu_ms_per_page": round(cpu / pages, 1),
                "load_1min": round((load + os.getloadavg()[0]) / 2, 2),
                "bytes": len(pdf),
            }
            print(f"  render {name}: {figures[name]}", flush=True)
    return figures


def _cold(language: str, lines: int) -> None:
    printable = _printable(language, lines)
    started = time.perf_counter()
    from faktura.pdfs.render import render_pdf

    render_pdf(printable)
    print((time.perf_counter() - started) * 1000)


def _call(port: int, key: str, method: str, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
        return json.loads(response.read())


def issue_to_archive(kind: str, issues: int, workdir: Path) -> dict[str, Any]:
    """Issue invoices one by one on a served Faktura (two processes, as bench/run.py serves
    it, each with its worker) and time each until its `pdf.status` is ready."""
    if kind == "postgresql":
        name = "faktura_bench_pdf"
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{name}"')
        database = Database(kind, f"{PG_SERVER}/{name}", name=name)
    else:
        database = make_database(kind, smoke=True)
    env = _env(database.url) | {
        "FAKTURA_FILES_DIR": str(workdir / "files"),
        "FAKTURA_WORKER_POLL_SECONDS": "0.05",
    }
    _faktura(["migrate"], env)
    seeded = json.loads(_seed(["--customers", "5", "--invoices", "10"], env))
    port = _free_port()
    server = Server(
        "faktura",
        [str(BIN / "faktura"), "serve", "--workers", "2", "--port", str(port)],
        env,
        port,
        workdir / f"serve-{kind}.log",
    )
    try:
        server.wait_ready()
        key = seeded["key"]
        customer = _call(port, key, "GET", "/v1/customers?per_page=1")["data"][0]["id"]
        latencies = []
        for n in range(issues):
            body = {
                "customer_id": customer,
                "line_items": [
                    {"description": f"Service {n}.{i}", "quantity": "1", "unit_price": "10.00"}
                    for i in range(10)
                ],
            }
            started = time.perf_counter()
            invoice = _call(port, key, "POST", "/v1/invoices", body)
            while invoice["pdf"]["status"] != "ready":
                if time.perf_counter() - started > 30:
                    raise RuntimeError(f"invoice {invoice['id']} not archived after 30 s")
                time.sleep(0.01)
                invoice = _call(port, key, "GET", f"/v1/invoices/{invoice['id']}")
            latencies.append((time.perf_counter() - started) * 1000)
        latencies.sort()
        figures = {
            "issued": issues,
            "p50_ms": round(statistics.median(latencies), 1),
            "p95_ms": round(latencies[max(0, int(len(latencies) * 0.95) - 1)], 1),
            "max_ms": round(latencies[-1], 1),
        }
        print(f"  issue → archived PDF ({kind}): {figures}", flush=True)
        return figures
    finally:
        server.stop()
        database.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--issues", type=int, default=40)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--name", default="pdf", help="the results file's name after its date")
    parser.add_argument("--cold", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cold:
        _cold(args.cold[0], int(args.cold[1]))
        return
    import tempfile

    workdir = Path(tempfile.mkdtemp(prefix="faktura-bench-pdf-"))
    write_figures(
        args.out,
        args.name,
        {
            "render": render_times(),
            "issue_to_archive": {
                kind: issue_to_archive(kind, args.issues, workdir) for kind in args.db or ["sqlite"]
            },
        },
    )


if __name__ == "__main__":
    main()
