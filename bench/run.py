"""Faktura's benchmark: the product against this machine's ceiling, on PostgreSQL and SQLite.

For each database it: makes a fresh database, migrates it, seeds it (`python -m bench.seed`),
starts `faktura serve --workers 2` and the ceiling app (bench/ceiling.py) the same way, drives
each scenario with wrk from a separate process on 127.0.0.1, and writes
bench/results/<date>-<db>.json and .md.

Load comes from wrk (C, one event loop per thread): at 32 connections it needs a few percent of
one core, where an asyncio Python client needs most of one — on a 2-core machine that core would
be taken from the server under test. Every wrk run is bounded by a duration and a request count.

    python bench/run.py --db postgresql --db sqlite             # full
    python bench/run.py --smoke --db sqlite                     # a few seconds
    python bench/run.py --compare main --db postgresql          # main, then the checkout
"""

import argparse
import contextlib
import json
import os
import platform
import random
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
JOBS_DRAIN_LIMIT_SECONDS = 600.0
WORKERS = 2  # server processes, Faktura's and the ceilings' alike
# The raw-driver ceilings of each database (bench/ceiling_raw.py), measured beside SQLAlchemy's.
RAW_DRIVERS = {"postgresql": ("asyncpg", "psycopg"), "sqlite": ("aiosqlite",)}


@dataclass(frozen=True)
class Sizes:
    customers: int
    invoices: int
    seconds: int
    connections: int
    max_requests: int
    sample_ids: int = 1000
    repeats: int = 3  # wrk runs per scenario (one for single-client scenarios)
    accounts: int = 32  # accounts of the many-accounts scenario, each its own sequences


FULL = Sizes(customers=10_000, invoices=100_000, seconds=5, connections=32, max_requests=500_000)
SMOKE = Sizes(
    customers=50,
    invoices=500,
    seconds=1,
    connections=8,
    max_requests=5_000,
    sample_ids=50,
    repeats=1,
    accounts=2,
)


# Processes: CPU and memory from /proc


def _stat(pid: int) -> tuple[int, int, float] | None:
    """(parent pid, resident bytes, CPU seconds) of a process, None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return (
        int(fields[1]),
        int(fields[21]) * PAGE_SIZE,
        (int(fields[11]) + int(fields[12])) / CLK_TCK,
    )


def _all_stats() -> dict[int, tuple[int, int, float]]:
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) is not None:
            stats[int(entry)] = stat
    return stats


def _tree(root: int, stats: dict[int, tuple[int, int, float]]) -> set[int]:
    pids, changed = {root}, True
    while changed:
        changed = False
        for pid, (parent, _, _) in stats.items():
            if parent in pids and pid not in pids:
                pids.add(pid)
                changed = True
    return pids


class Server:
    """A uvicorn server in its own process group, stopped by its id."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], port: int, log: Path):
        self.name, self.port = name, port
        self.log = log.open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            command, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    pass
                workers = self.workers()
                if len(workers) >= WORKERS:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer within {timeout} s")

    def pids(self, stats: dict[int, tuple[int, int, float]] | None = None) -> set[int]:
        return _tree(self.process.pid, stats or _all_stats())

    def workers(self) -> list[int]:
        stats = _all_stats()
        return [pid for pid in self.pids(stats) if stats[pid][0] != os.getpid()]

    def spread(self) -> list[int]:
        """Established client connections held by each worker, largest first."""
        done = subprocess.run(  # noqa: S603
            ["ss", "-tnpH", "state", "established", f"( sport = :{self.port} )"],  # noqa: S607
            capture_output=True,
            text=True,
        )
        held = {pid: done.stdout.count(f"pid={pid},") for pid in self.workers()}
        return sorted(held.values(), reverse=True)[:WORKERS]  # not the multiprocessing helper

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


def write_figures(out: Path, name: str, figures: dict[str, Any]) -> None:
    """A side benchmark's figures (bench/mail.py, pdf.py, pay.py), dated, as
    `<out>/<date>-<name>.json`."""
    result = {"date": datetime.now(UTC).isoformat(timespec="seconds"), **figures}
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{result['date'][:10]}-{name}.json"
    path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"wrote {path}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# Databases


@dataclass
class Database:
    kind: str
    url: str
    name: str | None = None  # PostgreSQL database name
    directory: Path | None = None

    def backend_pids(self) -> set[int]:
        if self.kind != "postgresql":
            return set()
        import psycopg

        with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres") as connection:
            rows = connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.name,)
            ).fetchall()
        return {row[0] for row in rows}

    def pending_jobs(self) -> int:
        """Jobs queued or running (an issued invoice's PDF archive, say): work a scenario
        left behind, which would otherwise run during, and be measured in, the next one."""
        query = "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')"
        if self.kind == "postgresql":
            import psycopg

            with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={self.name}") as connection:
                row = connection.execute(query).fetchone()
        else:
            import sqlite3

            assert self.directory is not None
            path = self.directory / "faktura.db"
            with contextlib.closing(sqlite3.connect(path, timeout=30)) as connection:
                row = connection.execute(query).fetchone()
        return int(row[0]) if row else 0

    def wait_for_jobs(self, limit_seconds: float) -> float:
        """Wait (at most `limit_seconds`) until no job is left; the seconds it took."""
        started = time.monotonic()
        while self.pending_jobs() and time.monotonic() - started < limit_seconds:
            time.sleep(0.25)
        return round(time.monotonic() - started, 2)

    def drop(self) -> None:
        if self.kind == "postgresql":
            _pg_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        elif self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)


def _pg_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(
        "host=127.0.0.1 user=postgres dbname=postgres", autocommit=True
    ) as connection:
        connection.execute(statement)  # type: ignore[arg-type]


def make_database(kind: str, smoke: bool) -> Database:
    if kind == "postgresql":
        name = "faktura_bench_smoke" if smoke else "faktura_bench"
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{name}"')
        return Database(kind, f"{PG_SERVER}/{name}", name=name)
    directory = Path(tempfile.mkdtemp(prefix="faktura-bench-"))
    return Database(kind, f"sqlite+aiosqlite:///{directory / 'faktura.db'}", directory=directory)


def _sync_engine(url: str) -> Any:
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import create_engine

    from bench.seed import sync_url

    return create_engine(sync_url(url))


def prepare_ceiling(url: str, rows: int) -> list[str]:
    """The ceiling's table with `rows` rows to select; returns their ids."""
    sys.path.insert(0, str(ROOT / "bench"))
    from ceiling import CeilingBase, CeilingRow
    from sqlalchemy import insert

    from faktura.core.clock import utcnow
    from faktura.core.ids import uuid7

    engine = _sync_engine(url)
    ids = [uuid7() for _ in range(rows)]
    with engine.begin() as connection:
        CeilingBase.metadata.create_all(connection)
        connection.execute(
            insert(CeilingRow),
            [
                {"id": i, "name": f"row {n}", "amount": Decimal("12.34"), "created_at": utcnow()}
                for n, i in enumerate(ids)
            ],
        )
    engine.dispose()
    return [str(i) for i in ids]


def sample_ids(url: str, account_id: str, count: int) -> dict[str, Any]:
    """Ids the scenarios rotate through, read straight from the seeded tables."""
    from sqlalchemy import select

    from faktura.customers.models import Party
    from faktura.documents.models import Document

    engine = _sync_engine(url)
    account = uuid.UUID(account_id)
    with engine.connect() as connection:
        invoices = list(
            connection.execute(
                select(Document.id).where(Document.account_id == account).order_by(Document.id)
            ).scalars()
        )
        customers = list(
            connection.execute(select(Party.id).where(Party.account_id == account)).scalars()
        )
    engine.dispose()
    rng = random.Random(11)  # noqa: S311
    return {
        "invoices": [str(i) for i in rng.sample(invoices, min(count, len(invoices)))],
        "customers": [str(i) for i in rng.sample(customers, min(count, len(customers)))],
        # 90 % of the way down a newest-first list: the page after it is read from deep inside.
        "deep": str(invoices[len(invoices) // 10]),
    }


# Scenarios as wrk Lua scripts

_LUA = """
local paths = {%(paths)s}
local bodies = {%(bodies)s}
local keys = {%(keys)s}
local method = "%(method)s"
local limit = %(limit)d
local sent = 0
wrk.headers["Content-Type"] = "application/json"
%(auth)s
-- A body made for one account goes with that account's key.
local headers = {}
for i, key in ipairs(keys) do
  headers[i] = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key}
end
request = function()
  sent = sent + 1
  local body, with = nil, nil
  if #bodies > 0 then
    local i = math.random(#bodies)
    body, with = bodies[i], headers[i]
  end
  return wrk.format(method, paths[math.random(#paths)], with, body)
end
response = function(status, headers, body)
  if sent >= limit then wrk.thread:stop() end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "status_errors": %%d, "socket_errors": %%d,' ..
    ' "timeouts": %%d, "p50_us": %%d, "p99_us": %%d, "mean_us": %%.1f, "max_us": %%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean, latency.max))
end
"""


def _lua_strings(values: list[str]) -> str:
    return ", ".join(json.dumps(v) for v in values)


@dataclass
class Scenario:
    name: str
    target: str  # "faktura" or "ceiling"
    method: str
    paths: list[str]
    bodies: list[str] = field(default_factory=list)
    single_client: bool = False
    description: str = ""
    keys: list[str] = field(default_factory=list)  # per body: its account's key


def _invoice_body(customer_id: str, rate_id: str | None) -> str:
    services = [
        ("Consulting", "8", "120.00"),
        ("Design work", "3.5", "95.50"),
        ("Hosting (monthly)", "1", "49.00"),
        ("Training day", "1", "980.00"),
        ("Travel expenses", "1", "212.40"),
    ]
    lines = [
        {"description": d, "quantity": q, "unit_price": p, "unit": "hour"}
        | ({"vat_rate_id": rate_id} if rate_id else {})
        for d, q, p in services
    ]
    return json.dumps({"customer_id": customer_id, "vat_type": "excluded", "line_items": lines})


def payment_link_tokens(port: int, key: str, invoice_ids: list[str]) -> list[str]:
    """Payment links of these invoices (those that can take one), for the pay_page scenario:
    the tokens of their hosted pages."""
    tokens = []
    for invoice_id in invoice_ids:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/payment_links",
            data=json.dumps({"document_id": invoice_id}).encode(),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
                tokens.append(json.loads(response.read())["url"].rsplit("/", 1)[1])
        except urllib.error.HTTPError:  # paid or cancelled: no link
            continue
    return tokens


def archive_pdfs(port: int, key: str, invoice_ids: list[str]) -> list[str]:
    """Archive these invoices' PDFs (the first GET renders and archives each) for the
    pdf_archived scenario, which then downloads only archived ones."""
    for invoice_id in invoice_ids:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/invoices/{invoice_id}/pdf",
            headers={"Authorization": f"Bearer {key}"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
            response.read()
    return invoice_ids


def scenarios(
    ids: dict[str, Any],
    rate_id: str | None,
    ceiling_ids: list[str],
    others: list[dict[str, Any]],
    drivers: tuple[str, ...] = (),
) -> list[Scenario]:
    """`others`: more accounts (key, customer_id, rate_id) for the many-accounts scenario;
    `drivers`: the raw-driver ceilings to measure beside SQLAlchemy's."""
    customers, invoices = ids["customers"], ids["invoices"]
    echo = json.dumps(
        {
            "customer_id": customers[0],
            "customer_name": "Nordwind Logistik GmbH",
            "currency": "EUR",
            "notes": "Payable within 30 days. " * 4,
            "line_items": [
                {
                    "description": f"Consulting, week {n}",
                    "quantity": "8",
                    "unit_price": "120.00",
                    "vat_rate": "19",
                }
                for n in range(1, 9)
            ],
        }
    )
    today = datetime.now(UTC).date().isoformat()
    create = [_invoice_body(c, rate_id) for c in customers[:50]]
    create_customer = [
        json.dumps(
            {
                "company_name": f"Bench Customer {n}",
                "email": f"ap{n}@bench.example",
                "address": {
                    "street": "Hauptstraße 1",
                    "zip": "10115",
                    "city": "Berlin",
                    "country": "DE",
                },
                "contacts": [{"contact_name": "Anna Weber", "email": f"anna{n}@bench.example"}],
            }
        )
        for n in range(50)
    ]
    payments = [
        json.dumps(
            {"amount": "0.01", "payment_date": today, "payment_method": "wire", "invoice_id": i}
        )
        for i in invoices
    ]
    row = json.dumps({"name": "ceiling row", "amount": "12.34"})
    deep = f"/v1/invoices?per_page=25&starting_after={ids['deep']}"
    filtered = [f"/v1/invoices?per_page=25&customer_id={c}&status=overdue" for c in customers]
    return [
        Scenario(
            "ceiling_echo",
            "ceiling",
            "POST",
            ["/echo"],
            [echo],
            description="validate a 1 KB JSON body and echo it",
        ),
        Scenario(
            "ceiling_insert",
            "ceiling",
            "POST",
            ["/rows"],
            [row],
            description="insert one row with SQLAlchemy and return it",
        ),
        Scenario(
            "ceiling_select",
            "ceiling",
            "GET",
            [f"/rows/{i}" for i in ceiling_ids],
            description="select one row by primary key",
        ),
        *(
            Scenario(
                f"ceiling_{operation}_{driver}",
                driver,
                method,
                paths,
                bodies,
                description=f"{what} with {driver} alone",
            )
            for driver in drivers
            for operation, method, paths, bodies, what in (
                ("select", "GET", [f"/rows/{i}" for i in ceiling_ids], [], "select one row"),
                ("insert", "POST", ["/rows"], [row], "insert one row"),
            )
        ),
        Scenario(
            "invoice_create_issue",
            "faktura",
            "POST",
            ["/v1/invoices"],
            create,
            description="create + issue a 5-line invoice with VAT",
        ),
        Scenario(
            "create_issue_accounts",
            "faktura",
            "POST",
            ["/v1/invoices"],
            [_invoice_body(other["customer_id"], other["rate_id"]) for other in others],
            keys=[other["key"] for other in others],
            description=f"create + issue as above, spread over {len(others)} accounts",
        ),
        Scenario(
            "invoice_retrieve",
            "faktura",
            "GET",
            [f"/v1/invoices/{i}" for i in invoices],
            description="retrieve an invoice",
        ),
        Scenario(
            "pdf_archived",
            "faktura",
            "GET",
            [f"/v1/invoices/{i}/pdf" for i in ids.get("archived_pdfs", [])],
            description="download an invoice's archived PDF",
        ),
        Scenario(
            "pay_page",
            "faktura",
            "GET",
            [f"/pay/{token}" for token in ids.get("pay_tokens", [])],
            description="the hosted payment page of a link (HTML, server-rendered)",
        ),
        Scenario(
            "invoice_list",
            "faktura",
            "GET",
            ["/v1/invoices?per_page=25"],
            description="list invoices, page 1 (25 rows)",
        ),
        Scenario(
            "invoice_list_deep",
            "faktura",
            "GET",
            [deep],
            description="list with starting_after 90 % down the seeded invoices",
        ),
        Scenario(
            "invoice_list_filtered",
            "faktura",
            "GET",
            filtered,
            description="list filtered by customer and status",
        ),
        Scenario(
            "customer_create",
            "faktura",
            "POST",
            ["/v1/customers"],
            create_customer,
            description="create a customer with one contact",
        ),
        Scenario(
            "payment_record",
            "faktura",
            "POST",
            ["/v1/payments"],
            payments,
            description="record a payment allocated to an invoice",
        ),
        Scenario(
            "sequential_create_issue",
            "faktura",
            "POST",
            ["/v1/invoices"],
            create,
            single_client=True,
            description="create + issue, one client, one at a time",
        ),
        Scenario(
            "sequential_list_deep",
            "faktura",
            "GET",
            [deep],
            single_client=True,
            description="deep keyset page, one client",
        ),
        Scenario(
            "sequential_list_filtered",
            "faktura",
            "GET",
            filtered,
            single_client=True,
            description="filtered list, one client",
        ),
    ]


class RssSampler(threading.Thread):
    """The largest resident size of each server worker while load runs."""

    def __init__(self, server: Server):
        super().__init__(daemon=True)
        self.server, self.stop_event = server, threading.Event()
        self.max_worker, self.max_total = 0, 0

    def run(self) -> None:
        while not self.stop_event.wait(0.25):
            stats = _all_stats()
            sizes = [stats[p][1] for p in self.server.pids(stats) if p in stats]
            if sizes:
                self.max_worker = max(self.max_worker, max(sizes))
                self.max_total = max(self.max_total, sum(sizes))


def run_scenario(
    scenario: Scenario,
    server: Server,
    database: Database,
    key: str,
    sizes: Sizes,
    workdir: Path,
    profile: Path | None = None,
) -> dict[str, Any]:
    connections, threads = (1, 1) if scenario.single_client else (sizes.connections, 2)
    script = workdir / f"{scenario.name}.lua"
    auth = f'wrk.headers["Authorization"] = "Bearer {key}"' if scenario.target == "faktura" else ""
    script.write_text(
        _LUA
        % {
            "paths": _lua_strings(scenario.paths),
            "bodies": _lua_strings(scenario.bodies),
            "keys": _lua_strings(scenario.keys),
            "method": scenario.method,
            "limit": max(1, sizes.max_requests // threads),
            "auth": auth,
        }
    )
    before = _all_stats()
    sampler = RssSampler(server)
    sampler.start()
    spy = _start_profiler(server, profile / f"{scenario.name}.txt") if profile else None
    started = time.monotonic()
    client_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    runs = [
        _run_wrk(scenario, server, script, connections, threads, sizes)
        for _ in range(sizes.repeats)
    ]
    elapsed = time.monotonic() - started
    if spy is not None:
        _stop_profiler(spy)
    client_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    after = _all_stats()
    sampler.stop_event.set()
    sampler.join()

    def cpu(pids: set[int]) -> float:
        used = sum(after[p][2] - (before[p][2] if p in before else 0) for p in pids if p in after)
        return round(100 * used / elapsed, 1)

    def kind(name: str) -> int:
        return sum(r[name] for r in runs)

    errors = kind("status_errors") + kind("socket_errors") + kind("timeouts")
    return {
        "description": scenario.description,
        "connections": connections,
        "requests": kind("requests"),
        # The median run: each run's connections are spread anew over the workers.
        "rps": statistics.median(r["rps"] for r in runs),
        "p50_ms": statistics.median(round(r["p50_us"] / 1000, 2) for r in runs),
        "p99_ms": statistics.median(round(r["p99_us"] / 1000, 2) for r in runs),
        "runs": [
            {
                "rps": r["rps"],
                "p50_ms": round(r["p50_us"] / 1000, 2),
                "p99_ms": round(r["p99_us"] / 1000, 2),
                "connections_per_worker": r["connections_per_worker"],
            }
            for r in runs
        ],
        "errors": errors,
        "errors_by_kind": {
            "status": kind("status_errors"),
            "socket": kind("socket_errors"),
            "timeout": kind("timeouts"),
        },
        "server_cpu_pct": cpu(server.pids(after)),
        "db_cpu_pct": cpu(database.backend_pids()) if database.kind == "postgresql" else None,
        "client_cpu_pct": round(
            100
            * (
                client_after.ru_utime
                + client_after.ru_stime
                - client_before.ru_utime
                - client_before.ru_stime
            )
            / elapsed,
            1,
        ),
        "server_rss_max_mb": round(sampler.max_worker / 2**20, 1),
    }


def _run_wrk(
    scenario: Scenario,
    server: Server,
    script: Path,
    connections: int,
    threads: int,
    sizes: Sizes,
) -> dict[str, Any]:
    """One bounded wrk run; also how its connections fell on the server's workers (uvicorn's
    workers share one socket, so each run spreads its connections anew, and unevenly)."""
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{sizes.seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        f"http://127.0.0.1:{server.port}",
    ]
    wrk = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603
    spread: list[int] = []
    timer = threading.Timer(min(1.0, sizes.seconds / 2), lambda: spread.extend(server.spread()))
    timer.start()
    try:
        out, err = wrk.communicate(timeout=sizes.seconds + 60)
    except subprocess.TimeoutExpired:
        wrk.kill()
        out, err = wrk.communicate()
    timer.join()
    line = next((x for x in out.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result for {scenario.name}: {out}\n{err}")
    result: dict[str, Any] = json.loads(line.removeprefix("WRKJSON "))
    seconds = result["duration_us"] / 1e6
    result["rps"] = round(result["requests"] / seconds, 1) if seconds else 0.0
    result["connections_per_worker"] = spread
    return result


def _start_profiler(server: Server, output: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling every worker of the server, written as collapsed stacks (--profile)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(  # noqa: S603
        [
            str(BIN / "py-spy"),
            "record",
            "--pid",
            str(server.process.pid),
            "--subprocesses",
            "--rate",
            "100",
            "--nonblocking",  # sampling must not pause the workers: a paused lock holder stalls all
            "--format",
            "raw",
            "--output",
            str(output),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stop_profiler(spy: subprocess.Popen[bytes]) -> None:
    spy.send_signal(signal.SIGINT)
    try:
        spy.wait(timeout=30)
    except subprocess.TimeoutExpired:
        spy.kill()
        spy.wait()


# The run


def _env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "FAKTURA_DATABASE_URL": url,
            "FAKTURA_SCHEDULER_INTERVAL_SECONDS": "0",
            "FAKTURA_LOG_LEVEL": "warning",
            # The pay_page scenario measures the page, not its per-address limit.
            "FAKTURA_PAY_PAGE_RATE_LIMIT_PER_MINUTE": "100000000",
            "FAKTURA_DEFAULT_PLAN": "unlimited",
        }
    )
    return env


def _seed(args: list[str], env: dict[str, str]) -> str:
    """`python -m bench.seed …`: bulk data (JSON of the account, its key, what was added)."""
    done = subprocess.run(  # noqa: S603
        [str(BIN / "python"), "-m", "bench.seed", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.seed {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _faktura(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603
        [str(BIN / "faktura"), *args], env=env, capture_output=True, text=True, timeout=900
    )
    if done.returncode != 0:
        raise RuntimeError(f"faktura {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _rss_mb(server: Server) -> dict[str, float]:
    stats = _all_stats()
    sizes = [stats[p][1] for p in server.pids(stats) if p in stats]
    return {"worker_max_mb": round(max(sizes) / 2**20, 1), "total_mb": round(sum(sizes) / 2**20, 1)}


def bench_database(
    kind: str,
    sizes: Sizes,
    smoke: bool,
    only: set[str] | None,
    profile: Path | None = None,
) -> dict[str, Any]:
    database = make_database(kind, smoke)
    workdir = Path(tempfile.mkdtemp(prefix="faktura-bench-run-"))
    env = _env(database.url) | {"FAKTURA_FILES_DIR": str(workdir / "files")}
    servers: list[Server] = []
    try:
        _faktura(["migrate"], env)
        seeded = json.loads(
            _seed(
                [
                    "--customers",
                    str(sizes.customers),
                    "--invoices",
                    str(sizes.invoices),
                ],
                env,
            )
        )
        ids = sample_ids(database.url, seeded["account_id"], sizes.sample_ids)
        others = (
            other_accounts(database.url, env, sizes.accounts)
            if not only or "create_issue_accounts" in only
            else []
        )
        ceiling_ids = prepare_ceiling(database.url, sizes.sample_ids)
        rate_id = _standard_rate_id(database.url, seeded["account_id"])
        faktura = Server(
            "faktura",
            [
                str(BIN / "faktura"),
                "serve",
                "--workers",
                str(WORKERS),
                "--port",
                str(port := _free_port()),
            ],
            env,
            port,
            workdir / "faktura.log",
        )
        servers.append(faktura)
        faktura.wait_ready()
        if not only or "pdf_archived" in only:
            count = 3 if smoke else 20
            ids["archived_pdfs"] = archive_pdfs(port, seeded["key"], ids["invoices"][:count])
        if not only or "pay_page" in only:
            count = 10 if smoke else 200
            ids["pay_tokens"] = payment_link_tokens(port, seeded["key"], ids["invoices"][:count])
        seed_jobs_seconds = database.wait_for_jobs(JOBS_DRAIN_LIMIT_SECONDS)
        time.sleep(0.5)
        idle = _rss_mb(faktura)
        results: dict[str, Any] = {}
        ceiling: Server | None = None  # one ceiling app at a time, each measured before Faktura
        for scenario in scenarios(ids, rate_id, ceiling_ids, others, RAW_DRIVERS[kind]):
            if only and scenario.name not in only:
                continue
            if ceiling is not None and ceiling.name != scenario.target:
                # Its pooled connections would stay open beside the next server's: together
                # they reach PostgreSQL's 100-connection default.
                ceiling.stop()
                ceiling = None
            if scenario.target == "faktura":
                server = faktura
            else:
                if ceiling is None:
                    ceiling = ceiling_server(scenario.target, env, workdir)
                    servers.append(ceiling)
                    ceiling.wait_ready()
                server = ceiling
            results[scenario.name] = run_scenario(
                scenario,
                server,
                database,
                seeded["key"],
                sizes,
                workdir,
                profile / kind if profile and scenario.target == "faktura" else None,
            )
            if scenario.target == "faktura":
                # Each issued invoice leaves its PDF to render: the next scenario starts on a
                # quiet server, and the report says how long the work left behind took.
                results[scenario.name]["jobs_drained_seconds"] = database.wait_for_jobs(
                    JOBS_DRAIN_LIMIT_SECONDS
                )
            print(f"  {kind} {scenario.name}: {results[scenario.name]}", flush=True)
        loaded = max(
            (r["server_rss_max_mb"] for n, r in results.items() if not n.startswith("ceiling")),
            default=0.0,
        )
        return {
            "db": kind,
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {
                "cpus": os.cpu_count(),
                "load_average_at_start": os.getloadavg(),
                "python": platform.python_version(),
                "shared": True,
            },
            "client": _wrk_version(),
            "server": "faktura serve --workers 2 (uvicorn); ceiling: uvicorn --workers 2",
            "sizes": {
                "customers": sizes.customers,
                "invoices": sizes.invoices,
                "seconds_per_run": sizes.seconds,
                "runs_per_scenario": sizes.repeats,
                "connections": sizes.connections,
            },
            "seed": seeded | {"key": "fk_test_…"},
            "rss": {"idle": idle, "under_load_worker_max_mb": loaded},
            "jobs_after_seed_seconds": seed_jobs_seconds,
            "scenarios": results,
            "ratios": ratios(results),
            "ceilings": ceilings(results),
        }
    finally:
        for server in servers:
            server.stop()
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


def ceiling_server(target: str, env: dict[str, str], workdir: Path) -> Server:
    """The SQLAlchemy ceiling ("ceiling", bench/ceiling.py) or a raw driver's
    (bench/ceiling_raw.py), served as Faktura is: uvicorn, WORKERS processes."""
    factory = "ceiling:create_app" if target == "ceiling" else f"ceiling_raw:create_{target}_app"
    return Server(
        target,
        [
            str(BIN / "uvicorn"),
            factory,
            "--factory",
            "--app-dir",
            str(ROOT / "bench"),
            "--workers",
            str(WORKERS),
            "--port",
            str(port := _free_port()),
            "--log-level",
            "warning",
            "--no-server-header",
        ],
        env,
        port,
        workdir / f"{target}.log",
    )


def other_accounts(url: str, env: dict[str, str], count: int) -> list[dict[str, Any]]:
    """`count` more accounts with a key and one customer each: invoices issued in them take
    numbers from `count` sequences, not all from one."""
    from sqlalchemy import select

    from faktura.customers.models import Party

    seed = ["--customers", "1", "--invoices", "0", "--accounts"]
    made = json.loads(_seed([*seed, str(count)], env))
    accounts = made.get("accounts", [made])
    engine = _sync_engine(url)
    with engine.connect() as connection:
        customers = dict(
            connection.execute(
                select(Party.account_id, Party.id).where(
                    Party.account_id.in_([uuid.UUID(a["account_id"]) for a in accounts])
                )
            ).all()
        )
    engine.dispose()
    return [
        {
            "key": account["key"],
            "customer_id": str(customers[uuid.UUID(account["account_id"])]),
            "rate_id": _standard_rate_id(url, account["account_id"]),
        }
        for account in accounts
    ]


def _standard_rate_id(url: str, account_id: str) -> str | None:
    from sqlalchemy import select

    from faktura.accounts.models import Account

    engine = _sync_engine(url)
    with engine.connect() as connection:
        rates = connection.execute(
            select(Account.vat_rates).where(Account.id == uuid.UUID(account_id))
        ).scalar_one()
    engine.dispose()
    standard = [r for r in rates if r.get("category") == "S"]
    return str(standard[0]["id"]) if standard else None


def _wrk_version() -> str:
    done = subprocess.run(["wrk", "--version"], capture_output=True, text=True)  # noqa: S607
    return (done.stdout or done.stderr).splitlines()[0].strip()


# Ratios and the budget (issue 7)


def ratios(results: dict[str, Any]) -> dict[str, float | None]:
    def ratio(name: str, ceiling: str) -> float | None:
        if name not in results or ceiling not in results or not results[ceiling]["rps"]:
            return None
        return round(results[name]["rps"] / results[ceiling]["rps"], 3)

    return {
        "invoice_create_issue/ceiling_insert": ratio("invoice_create_issue", "ceiling_insert"),
        "create_issue_accounts/ceiling_insert": ratio("create_issue_accounts", "ceiling_insert"),
        "invoice_retrieve/ceiling_select": ratio("invoice_retrieve", "ceiling_select"),
        "invoice_list/ceiling_select": ratio("invoice_list", "ceiling_select"),
        "pdf_archived/ceiling_select": ratio("pdf_archived", "ceiling_select"),
        "customer_create/ceiling_insert": ratio("customer_create", "ceiling_insert"),
        "payment_record/ceiling_insert": ratio("payment_record", "ceiling_insert"),
        "ceiling_select/ceiling_echo": ratio("ceiling_select", "ceiling_echo"),
    } | {
        # What SQLAlchemy leaves of the driver's own throughput, per driver measured.
        f"{base}/{name}": ratio(base, name)
        for name in results
        for base in ("ceiling_select", "ceiling_insert")
        if name.startswith(f"{base}_")
    }


def ceilings(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Per operation: req/s of the SQLAlchemy ceiling and of each raw driver measured, and the
    share of the driver's throughput that is left under SQLAlchemy."""
    table = []
    for operation in ("select", "insert"):
        base = results.get(f"ceiling_{operation}")
        raw = {
            name.removeprefix(f"ceiling_{operation}_"): result["rps"]
            for name, result in results.items()
            if name.startswith(f"ceiling_{operation}_")
        }
        if base is None and not raw:
            continue
        table.append(
            {
                "operation": operation,
                "sqlalchemy_rps": None if base is None else base["rps"],
                "raw_rps": raw,
                "sqlalchemy_share": {
                    driver: round(base["rps"] / rps, 3) if base and rps else None
                    for driver, rps in raw.items()
                },
            }
        )
    return table


def budget(report: dict[str, Any]) -> list[dict[str, Any]]:
    s, r = report["scenarios"], report["ratios"]

    def line(text: str, measured: float | None, limit: float, at_least: bool) -> dict[str, Any]:
        met = None if measured is None else (measured >= limit if at_least else measured <= limit)
        return {"line": text, "measured": measured, "limit": limit, "met": met}

    def get(name: str, key: str) -> float | None:
        return s[name][key] if name in s else None

    return [
        line(
            "create + issue ≥ 0.5 × insert ceiling",
            r["invoice_create_issue/ceiling_insert"],
            0.5,
            True,
        ),
        line("create + issue p99 ≤ 150 ms", get("invoice_create_issue", "p99_ms"), 150, False),
        line("retrieve ≥ 0.6 × select ceiling", r["invoice_retrieve/ceiling_select"], 0.6, True),
        line("list page 1 ≥ 0.3 × select ceiling", r["invoice_list/ceiling_select"], 0.3, True),
        line("archived PDF ≥ 0.5 × select ceiling", r["pdf_archived/ceiling_select"], 0.5, True),
        line(
            "deep keyset page, one client: p50 ≤ 15 ms",
            get("sequential_list_deep", "p50_ms"),
            15,
            False,
        ),
        line(
            "filtered list, one client: p50 ≤ 15 ms",
            get("sequential_list_filtered", "p50_ms"),
            15,
            False,
        ),
        line(
            "sequential create + issue: median ≤ 10 ms",
            get("sequential_create_issue", "p50_ms"),
            10,
            False,
        ),
        line(
            "API process RSS under load ≤ 200 MB",
            report["rss"]["under_load_worker_max_mb"],
            200,
            False,
        ),
    ]


def markdown(report: dict[str, Any]) -> str:
    sizes = report["sizes"]
    out = [
        f"### {report['db']} — {report['date']}",
        "",
        f"{sizes['invoices']:,} invoices, {sizes['customers']:,} customers; "
        f"{sizes['connections']} connections; {sizes['runs_per_scenario']} runs of "
        f"{sizes['seconds_per_run']} s per scenario, median run shown; "
        f"{report['client']}; {report['machine']['cpus']} CPUs, shared "
        f"(load average at start {report['machine']['load_average_at_start'][0]:.2f}).",
        "",
        "| scenario | conns | req/s | p50 ms | p99 ms | errors | server CPU % | DB CPU % "
        "| req/s of each run (connections per worker) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, r in report["scenarios"].items():
        db_cpu = "—" if r["db_cpu_pct"] is None else f"{r['db_cpu_pct']:.0f}"
        runs = ", ".join(
            f"{run['rps']:,.0f} ({'/'.join(map(str, run['connections_per_worker'])) or '?'})"
            for run in r["runs"]
        )
        out.append(
            f"| {name} | {r['connections']} | {r['rps']:,.0f} | {r['p50_ms']:.1f} | "
            f"{r['p99_ms']:.1f} | {r['errors']} | {r['server_cpu_pct']:.0f} | {db_cpu} | {runs} |"
        )
    out += _ceilings_markdown(report)
    rss = report["rss"]
    out += [
        "",
        f"RSS per API worker: idle {rss['idle']['worker_max_mb']} MB, under load "
        f"{rss['under_load_worker_max_mb']} MB (2 workers + supervisor idle: "
        f"{rss['idle']['total_mb']} MB).",
        "",
        "| ratio | value |",
        "|---|---:|",
        *(f"| {k} | {'—' if v is None else f'{v:.2f}'} |" for k, v in report["ratios"].items()),
        "",
        "| budget line | measured | met |",
        "|---|---:|---|",
        *(
            f"| {b['line']} | {'—' if b['measured'] is None else b['measured']} | "
            f"{'—' if b['met'] is None else ('yes' if b['met'] else '**no**')} |"
            for b in report["budget"]
        ),
        "",
    ]
    return "\n".join(out)


def _ceilings_markdown(report: dict[str, Any]) -> list[str]:
    table = report.get("ceilings") or []
    drivers = sorted({driver for row in table for driver in row["raw_rps"]})
    if not drivers:
        return []

    def rps(value: float | None) -> str:
        return "—" if value is None else f"{value:,.0f}"

    def share(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f}"

    return [
        "",
        "Ceilings: the same endpoint with SQLAlchemy and with the driver alone (req/s), and "
        "SQLAlchemy's req/s divided by the driver's.",
        "",
        "| ceiling | SQLAlchemy | "
        + " | ".join(drivers)
        + " | "
        + " | ".join(f"SQLAlchemy ÷ {d}" for d in drivers)
        + " |",
        "|---|---:|" + "---:|" * (2 * len(drivers)),
        *(
            f"| {row['operation']} | {rps(row['sqlalchemy_rps'])} | "
            + " | ".join(rps(row["raw_rps"].get(d)) for d in drivers)
            + " | "
            + " | ".join(share(row["sqlalchemy_share"].get(d)) for d in drivers)
            + " |"
            for row in table
        ),
    ]


# Two revisions back to back (--compare)

COMPARED = (
    "ceiling_insert",
    "ceiling_select",
    "invoice_create_issue",
    "invoice_retrieve",
    "invoice_list",
)
COMPARED_RATIOS = (
    "invoice_create_issue/ceiling_insert",
    "invoice_retrieve/ceiling_select",
    "invoice_list/ceiling_select",
)


@dataclass(frozen=True)
class Build:
    label: str  # the revision as given, or "checkout"
    commit: str
    root: Path
    python: Path


def export_revision(revision: str, into: Path) -> Build:
    """`revision`'s files (git archive, the repository untouched) with an environment of its
    own, installed from its uv.lock as `make install` does."""
    commit = subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "rev-parse", "--verify", f"{revision}^{{commit}}"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    root = into / commit[:12]
    root.mkdir(parents=True)
    archive = subprocess.Popen(  # noqa: S603
        ["git", "-C", str(ROOT), "archive", commit],  # noqa: S607
        stdout=subprocess.PIPE,
    )
    assert archive.stdout is not None
    subprocess.run(["tar", "-x", "-C", str(root)], stdin=archive.stdout, check=True)  # noqa: S603, S607
    archive.stdout.close()
    if archive.wait() != 0:
        raise RuntimeError(f"git archive {commit} failed")
    subprocess.run(  # noqa: S603
        [
            str(BIN / "uv"),
            "sync",
            "--frozen",
            "--all-extras",
            "--quiet",
            "--python",
            sys.executable,
        ],
        cwd=root,
        env={k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"},
        check=True,
    )
    return Build(revision, commit, root, root / ".venv" / "bin" / "python")


def _checkout() -> Build:
    commit = subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return Build("checkout", commit, ROOT, Path(sys.executable))


def compare(
    revisions: list[str], kinds: list[str], rounds: int, passed: list[str], out: Path
) -> None:
    """Runs COMPARED on each build in turn, `rounds` times alternating, each build with its own
    bench/run.py, and prints the ratios to the ceiling of the first build and of the second,
    each the median over the rounds."""
    workdir = Path(tempfile.mkdtemp(prefix="faktura-bench-compare-"))
    try:
        builds = [export_revision(r, workdir / "builds") for r in revisions]
        if len(builds) == 1:
            builds.append(_checkout())
        before, after = builds
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H%M")
        for kind in kinds:
            reports: list[list[dict[str, Any]]] = [[], []]  # before's, after's
            for round_ in range(rounds):
                for index in (0, 1) if round_ % 2 == 0 else (1, 0):
                    build = builds[index]
                    print(f"== {kind}, round {round_ + 1}: {build.label} ({build.commit[:12]})")
                    results = workdir / "results" / f"{kind}-{round_}-{index}"
                    subprocess.run(  # noqa: S603
                        [
                            str(build.python),
                            str(build.root / "bench" / "run.py"),
                            "--db",
                            kind,
                            "--out",
                            str(results),
                            *(f"--only={name}" for name in COMPARED),
                            *passed,
                        ],
                        cwd=build.root,
                        check=True,
                    )
                    [report] = results.glob(f"*-{kind}.json")
                    reports[index].append(json.loads(report.read_text()))
            text = compare_markdown(kind, before, after, reports, rounds)
            out.mkdir(parents=True, exist_ok=True)
            (out / f"compare-{stamp}-{kind}.md").write_text(text)
            print(text, flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def compare_markdown(
    kind: str,
    before: Build,
    after: Build,
    reports: list[list[dict[str, Any]]],
    rounds: int,
) -> str:
    def median(index: int, read: Any) -> float | None:
        values = [v for r in reports[index] if (v := read(r)) is not None]
        return statistics.median(values) if values else None

    def cell(value: float | None, digits: int) -> str:
        return "—" if value is None else f"{value:,.{digits}f}"

    def row(name: str, read: Any, digits: int) -> str:
        old, new = median(0, read), median(1, read)
        change = new / old if old and new is not None else None
        return f"| {name} | {cell(old, digits)} | {cell(new, digits)} | {cell(change, 2)} |"

    return "\n".join(
        [
            f"### {kind}: {before.label} ({before.commit[:12]}) → {after.label} "
            f"({after.commit[:12]})",
            "",
            f"Median of {rounds} round(s), the builds run alternately on one machine; "
            "the ratios to the ceiling are the figures to compare.",
            "",
            "| ratio to the ceiling | before | after | after ÷ before |",
            "|---|---:|---:|---:|",
            *(row(name, lambda r, n=name: r["ratios"].get(n), 3) for name in COMPARED_RATIOS),
            "",
            "| req/s | before | after | after ÷ before |",
            "|---|---:|---:|---:|",
            *(
                row(name, lambda r, n=name: r["scenarios"].get(n, {}).get("rps"), 0)
                for name in COMPARED
            ),
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", choices=["postgresql", "sqlite"])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a few seconds")
    parser.add_argument("--invoices", type=int, help="seeded invoices (1000000 for the issue)")
    parser.add_argument("--customers", type=int)
    parser.add_argument("--seconds", type=int, help="seconds per wrk run")
    parser.add_argument("--repeats", type=int, help="wrk runs per scenario (median reported)")
    parser.add_argument("--connections", type=int)
    parser.add_argument("--only", action="append", help="run only these scenarios")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where results are written")
    parser.add_argument(
        "--profile",
        type=Path,
        help="record each Faktura scenario with py-spy into this directory (collapsed stacks)",
    )
    parser.add_argument(
        "--compare",
        action="append",
        metavar="REV",
        help="run create + issue, retrieve and list page 1 (and their ceilings) on REV, then on "
        "the checkout (or on a second --compare REV), and print the ratios before and after",
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="with --compare: alternating runs of each build"
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install -y wrk (make bench does it)", file=sys.stderr)
        return 2
    if args.compare:
        if len(args.compare) > 2 or args.only or args.profile:
            parser.error("--compare takes one or two revisions, and neither --only nor --profile")
        passed = [
            f"--{option}={value}"
            for option in ("invoices", "customers", "seconds", "repeats", "connections")
            if (value := getattr(args, option)) is not None
        ] + (["--smoke"] if args.smoke else [])
        compare(args.compare, args.db or ["postgresql", "sqlite"], args.rounds, passed, args.out)
        return 0
    base = SMOKE if args.smoke else FULL
    sizes = Sizes(
        customers=args.customers or base.customers,
        invoices=args.invoices or base.invoices,
        seconds=args.seconds or base.seconds,
        connections=args.connections or base.connections,
        max_requests=base.max_requests,
        sample_ids=base.sample_ids,
        repeats=args.repeats or base.repeats,
        accounts=base.accounts,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).date().isoformat() + ("-smoke" if args.smoke else "")
    if not args.smoke and sizes.invoices != FULL.invoices:
        stamp += f"-{sizes.invoices}"  # another size beside the standard run, not over it
    for kind in args.db or ["postgresql", "sqlite"]:
        print(f"== {kind}: {sizes}", flush=True)
        only = set(args.only) if args.only else None
        report = bench_database(kind, sizes, args.smoke, only, args.profile)
        report["budget"] = budget(report)
        (args.out / f"{stamp}-{kind}.json").write_text(json.dumps(report, indent=2) + "\n")
        (args.out / f"{stamp}-{kind}.md").write_text(markdown(report))
        print(markdown(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
