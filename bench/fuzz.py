"""Fuzz the served API with schemathesis against its own /openapi.json.

    python bench/fuzz.py [--db sqlite] [--db postgresql] [--max-examples 25] [--seed 1]

For each database: a fresh database, a test-mode account with an all-scopes key, `faktura serve`
on a free loopback port, then `schemathesis run --checks all` over every operation (examples,
coverage, fuzzing and stateful phases). It writes, per database, the CLI output, a JUnit report
and a summary into --out (var/fuzz by default), and prints the summaries. The exit code is 1 when
a run found failures. `make fuzz` runs it on both databases; docs/fuzzing.md keeps the last result.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

from bench.run import BIN, PG_SERVER, _free_port, _pg_admin

ROOT = Path(__file__).resolve().parents[1]
PG_DATABASE = "faktura_fuzz"


def database_url(kind: str) -> str:
    if kind == "postgresql":
        _pg_admin(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{PG_DATABASE}"')
        return f"{PG_SERVER}/{PG_DATABASE}"
    directory = Path(tempfile.mkdtemp(prefix="faktura-fuzz-"))
    return f"sqlite+aiosqlite:///{directory / 'faktura.db'}"


def faktura(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603 - our own command line
        [str(BIN / "faktura"), *args], env=env, capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        raise RuntimeError(f"faktura {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        server = subprocess.Popen(  # noqa: S603
            [str(BIN / "faktura"), "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited; see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2):
                return server
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer; see {log}") from None
            time.sleep(0.2)


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def failures(junit: Path) -> list[dict[str, str]]:
    """One row per operation that failed: its name and the first lines of what failed."""
    if not junit.exists():
        return []
    rows = []
    for case in ET.parse(junit).getroot().iter("testcase"):  # noqa: S314 - our own report
        for problem in [*case.iter("failure"), *case.iter("error")]:
            text = (problem.get("message") or problem.text or "").strip()
            rows.append({"operation": case.get("name", "?"), "failure": text[:2000]})
    return rows


def summary_lines(output: str) -> list[str]:
    """The CLI's closing summary (from its SUMMARY banner on), without colours."""
    plain = re.sub(r"\x1b\[[0-9;]*m", "", output)
    lines = plain.splitlines()
    start = next((i for i, line in enumerate(lines) if "SUMMARY" in line), max(0, len(lines) - 25))
    return [line.rstrip() for line in lines[start:] if line.strip()]


def fuzz(kind: str, args: argparse.Namespace, out: Path) -> dict[str, object]:
    url = database_url(kind)
    env = {
        **os.environ,
        "FAKTURA_DATABASE_URL": url,
        "FAKTURA_LOG_LEVEL": "warning",
        "FAKTURA_DEFAULT_PLAN": "unlimited",
    }
    faktura(["migrate"], env)
    account = json.loads(
        faktura(
            [
                "accounts",
                "create",
                "--name",
                "Fuzz",
                "--currency",
                "EUR",
                "--country",
                "DE",
                "--json",
            ],
            env,
        )
    )
    key = json.loads(faktura(["keys", "create", "--account", account["id"], "--json"], env))["key"]
    port = _free_port()
    server = serve(env, port, out / f"{kind}-server.log")
    junit = out / f"{kind}-junit.xml"
    started = time.monotonic()
    try:
        command = [
            str(BIN / "schemathesis"), "run", f"http://127.0.0.1:{port}/openapi.json",
            "--checks", "all",
            "--header", f"Authorization: Bearer {key}",
            "--max-examples", str(args.max_examples),
            "--seed", str(args.seed),
            # One worker: Python 3.11's ast.parse, which hypothesis calls, is not safe in threads.
            "--workers", "1",
            "--request-timeout", "30",
            "--report", "junit", "--report-junit-path", str(junit),
            "--no-color",
        ]  # fmt: skip
        done = subprocess.run(  # noqa: S603
            command, capture_output=True, text=True, timeout=args.timeout, check=False
        )
    finally:
        stop(server)
    (out / f"{kind}-schemathesis.txt").write_text(done.stdout + done.stderr)
    return {
        "database": kind,
        "exit_code": done.returncode,
        "seconds": round(time.monotonic() - started),
        "summary": summary_lines(done.stdout),
        "failures": failures(junit),
    }


def markdown(results: list[dict[str, object]], args: argparse.Namespace) -> str:
    lines = [
        f"schemathesis --checks all, --max-examples {args.max_examples}, --seed {args.seed}",
        "",
    ]
    for result in results:
        lines += [f"### {result['database']} (exit {result['exit_code']}, {result['seconds']} s)"]
        lines += ["", "```", *result["summary"], "```", ""]  # type: ignore[misc]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--max-examples", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=int, default=1800, help="Seconds per database")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "fuzz")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    results = [fuzz(kind, args, args.out) for kind in args.db or ["sqlite"]]
    report = markdown(results, args)
    (args.out / "summary.md").write_text(report)
    (args.out / "failures.json").write_text(
        json.dumps({str(r["database"]): r["failures"] for r in results}, indent=2)
    )
    print(report)
    return 0 if all(r["exit_code"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
