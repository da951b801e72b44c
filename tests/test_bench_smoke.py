"""The benchmark harness runs end to end (tiny sizes): it must not rot between full runs.

Checks what the harness did, never how fast anything was.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runs the benchmark: `make test-fast` leaves it out

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = {
    "ceiling_echo",
    "ceiling_insert",
    "ceiling_select",
    "ceiling_select_aiosqlite",
    "ceiling_insert_aiosqlite",
    "invoice_create_issue",
    "create_issue_accounts",
    "invoice_retrieve",
    "pdf_archived",
    "pay_page",
    "invoice_list",
    "invoice_list_deep",
    "invoice_list_filtered",
    "customer_create",
    "payment_record",
    "sequential_create_issue",
    "sequential_list_deep",
    "sequential_list_filtered",
}


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (make bench-smoke)")
def test_smoke_bench_on_sqlite_writes_every_scenario_without_errors(tmp_path: Path) -> None:
    done = subprocess.run(  # noqa: S603 - our own script
        [
            sys.executable,
            str(ROOT / "bench" / "run.py"),
            "--smoke",
            "--db",
            "sqlite",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    [json_file] = tmp_path.glob("*-smoke-sqlite.json")
    report = json.loads(json_file.read_text())
    assert report["db"] == "sqlite"
    assert report["sizes"]["invoices"] == 500
    assert set(report["scenarios"]) == SCENARIOS
    for name, result in report["scenarios"].items():
        assert result["requests"] > 0, name
        assert result["errors"] == 0, name
    assert {b["line"] for b in report["budget"]} >= {"API process RSS under load ≤ 200 MB"}
    assert [(c["operation"], set(c["raw_rps"])) for c in report["ceilings"]] == [
        ("select", {"aiosqlite"}),
        ("insert", {"aiosqlite"}),
    ]
    assert (tmp_path / json_file.name.replace(".json", ".md")).read_text().startswith("### sqlite")
