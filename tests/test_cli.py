"""The CLI as scripts use it: JSON out, and the keys it makes work against the API."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from faktura.app import create_app
from faktura.cli.jobs import JobStatus
from faktura.config import Settings
from faktura.core.types import values_of
from faktura.db.migrate import upgrade_to_head
from faktura.jobs.service import STATUSES
from tests.customers.factories import customer_body

pytestmark = pytest.mark.slow  # starts processes: `make test-fast` leaves it out


def faktura(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FAKTURA_DATABASE_URL": database_url}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "faktura.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def bench_seed(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FAKTURA_DATABASE_URL": database_url}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bench.seed", *args],
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_accounts_and_keys_create_print_json_that_works(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    upgrade_to_head(url)

    account = faktura(url, "accounts", "create", "--name", "Shop", "--currency", "eur", "--json")
    assert account.returncode == 0, account.stderr
    account_data = json.loads(account.stdout)
    assert account_data["default_currency"] == "EUR"
    key = faktura(
        url,
        "keys",
        "create",
        "--account",
        account_data["id"],
        "--mode",
        "live",
        "--scopes",
        "account:read,customers:write",
        "--plan",
        "basic",
        "--json",
    )
    assert key.returncode == 0, key.stderr
    key_data = json.loads(key.stdout)
    assert key_data["key"].startswith("fk_live_")
    assert key_data["scopes"] == ["account:read", "customers:write"]

    app = create_app(Settings(database_url=url))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        response = await client.get(
            "/v1/account", headers={"Authorization": f"Bearer {key_data['key']}"}
        )
    await app.state.runtime.db.dispose()
    assert response.status_code == 200
    assert response.json()["name"] == "Shop"
    assert response.headers["x-ratelimit-limit"] == "60"


async def test_keys_list_and_revoke_and_the_version(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    upgrade_to_head(url)
    account = json.loads(faktura(url, "accounts", "create", "--name", "Shop", "--json").stdout)
    live = json.loads(
        faktura(
            url, "keys", "create", "--account", account["id"], "--mode", "live", "--json"
        ).stdout
    )
    test = json.loads(faktura(url, "keys", "create", "--account", account["id"], "--json").stdout)

    listed = json.loads(faktura(url, "keys", "list", "--account", account["id"], "--json").stdout)
    revoked = faktura(url, "keys", "revoke", live["id"], "--account", account["id"], "--json")
    again = json.loads(faktura(url, "keys", "list", "--account", account["id"], "--json").stdout)
    unknown = faktura(url, "keys", "revoke", test["id"], "--account", live["id"])
    version = faktura(url, "--version")

    assert [(k["id"], k["mode"]) for k in listed["data"]] == [
        (test["id"], "test"),
        (live["id"], "live"),
    ]
    assert all(live["key"] not in json.dumps(k) for k in listed["data"])  # never the secret
    assert revoked.returncode == 0, revoked.stderr
    assert json.loads(revoked.stdout)["revoked_at"] is not None
    assert [k["revoked_at"] is not None for k in again["data"]] == [False, True]
    assert unknown.returncode == 1
    assert "No such account" in unknown.stderr or "No such API key" in unknown.stderr
    assert version.stdout == "faktura 0.1.0\n"
    app = create_app(Settings(database_url=url))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        refused = await client.get(
            "/v1/account", headers={"Authorization": f"Bearer {live['key']}"}
        )
        kept = await client.get("/v1/account", headers={"Authorization": f"Bearer {test['key']}"})
    await app.state.runtime.db.dispose()
    assert refused.status_code == 401
    assert kept.status_code == 200


def test_cli_refuses_bad_input_without_writing(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    upgrade_to_head(url)
    bad_currency = faktura(url, "accounts", "create", "--name", "X", "--currency", "EURO")
    assert bad_currency.returncode == 2
    assert "ISO 4217" in bad_currency.stderr
    bad_country = faktura(url, "accounts", "create", "--name", "X", "--country", "Deutschland")
    assert bad_country.returncode == 2
    bad_scope = faktura(
        url,
        "keys",
        "create",
        "--account",
        "01890000-0000-7000-8000-000000000000",
        "--scopes",
        "root",
    )
    assert bad_scope.returncode == 2
    unknown_account = faktura(
        url, "keys", "create", "--account", "01890000-0000-7000-8000-000000000000"
    )
    assert unknown_account.returncode == 1
    assert unknown_account.stderr.strip() == "Error: Account not found"


def test_jobs_run_due_reports_what_it_did(tmp_path: Path) -> None:
    from faktura.config import get_settings
    from faktura.core.clock import utcnow
    from faktura.jobs.kinds import every_interval
    from faktura.worker.schedule import period_start

    every = every_interval(get_settings())
    for attempt in range(3):
        # The second run must fall in the first one's period: tried again on a fresh database
        # when a period boundary fell between them.
        url = f"sqlite+aiosqlite:///{tmp_path / f'cli{attempt}.db'}"
        upgrade_to_head(url)
        period = period_start(utcnow(), every)
        result = faktura(url, "jobs", "run-due", "--json")
        again = faktura(url, "jobs", "run-due", "--json")
        if period_start(utcnow(), every) == period:
            break
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "jobs_run": 4,
        "by_status": {
            "succeeded": {
                "documents.mark_overdue": 1,
                "email.reminders": 1,
                "idempotency.purge_expired": 1,
                "jobs.purge_finished": 1,
            }
        },
        "results": {
            "invoices_marked_overdue": 0,
            "idempotency_keys_purged": 0,
            "jobs_purged": 0,
            "reminders_created": 0,
        },
    }
    # The period's jobs exist now: a second run in the same period has nothing to do.
    assert json.loads(again.stdout) == {"jobs_run": 0, "by_status": {}, "results": {}}


async def test_bench_seed_makes_accounts_each_with_its_key_and_data(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    upgrade_to_head(url)

    seeded = bench_seed(url, "--customers", "2", "--invoices", "3", "--accounts", "2")
    refused = bench_seed(url, "--account", "x", "--accounts", "2")
    not_in_product = faktura(url, "bench", "seed")

    assert seeded.returncode == 0, seeded.stderr
    data = json.loads(seeded.stdout)
    assert data["accounts"][0]["account_id"] == data["account_id"]
    assert len({a["account_id"] for a in data["accounts"]}) == 2
    app = create_app(Settings(database_url=url))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        listed = [
            (
                await client.get(
                    "/v1/invoices", headers={"Authorization": f"Bearer {account['key']}"}
                )
            ).json()
            for account in data["accounts"]
        ]
    await app.state.runtime.db.dispose()
    assert [page["total"] for page in listed] == [3, 3]
    assert [d["number"] for d in listed[0]["data"]] == [d["number"] for d in listed[1]["data"]]
    assert refused.returncode == 2
    assert "--account adds to one account" in refused.stderr
    assert not_in_product.returncode == 2  # the benchmark's data is not the product's business


def test_plain_sqlite_and_postgres_urls_work_from_the_command_line(tmp_path: Path) -> None:
    plain = f"sqlite:///{tmp_path / 'plain.db'}"

    assert faktura(plain, "migrate").returncode == 0
    created = faktura(plain, "accounts", "create", "--name", "Plain", "--json")
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["name"] == "Plain"


def test_a_database_url_that_cannot_work_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = faktura("mysql://app@db/faktura", "migrate")

    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        "faktura: FAKTURA_DATABASE_URL: unsupported database 'mysql://': Faktura runs on SQLite "
        "(sqlite:///path) and PostgreSQL (postgresql://user@host:5432/database)\n"
    )


def _migrated(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    upgrade_to_head(url)
    return url


def _json(done: subprocess.CompletedProcess[str]) -> Any:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_accounts_list_show_and_update(tmp_path: Path) -> None:
    url = _migrated(tmp_path)
    first = _json(faktura(url, "accounts", "create", "--name", "Alpha", "--json"))
    second = _json(
        faktura(url, "accounts", "create", "--name", "Beta", "--country", "GR", "--json")
    )

    listed = _json(faktura(url, "accounts", "list", "--json"))
    updated = faktura(
        url,
        "accounts",
        "update",
        second["id"],
        "--tax-id",
        "EL094019245",
        "--locale",
        "el-GR",
        "--json",
    )
    shown = _json(faktura(url, "accounts", "show", second["id"], "--json"))
    refused = faktura(url, "accounts", "update", second["id"], "--currency", "EURO", "--json")
    nothing = faktura(url, "accounts", "update", second["id"], "--json")
    unknown = faktura(url, "accounts", "show", "01890000-0000-7000-8000-000000000000", "--json")

    assert [(a["id"], a["name"], a["country"]) for a in listed["data"]] == [
        (first["id"], "Alpha", None),
        (second["id"], "Beta", "GR"),
    ]
    assert updated.returncode == 0, updated.stderr
    assert (shown["tax_id"], shown["locale"], shown["name"]) == ("EL094019245", "el-GR", "Beta")
    assert refused.returncode == 1
    assert json.loads(refused.stderr)["error"]["code"] == "validation_error"
    assert "--currency" in json.loads(refused.stderr)["error"]["message"]
    assert nothing.returncode == 1
    assert json.loads(nothing.stderr) == {
        "error": {
            "code": "validation_error",
            "message": "nothing to change: give at least one option",
        }
    }
    assert unknown.returncode == 1
    assert json.loads(unknown.stderr) == {
        "error": {"code": "not_found", "message": "Account not found"}
    }


async def test_keys_rotate_replaces_a_key_in_one_step(tmp_path: Path) -> None:
    url = _migrated(tmp_path)
    account = _json(faktura(url, "accounts", "create", "--name", "Shop", "--json"))
    old = _json(
        faktura(
            url,
            "keys",
            "create",
            "--account",
            account["id"],
            "--scopes",
            "account:read",
            "--name",
            "ERP",
            "--json",
        )
    )

    rotated = _json(faktura(url, "keys", "rotate", old["id"], "--account", account["id"], "--json"))
    again = faktura(url, "keys", "rotate", old["id"], "--account", account["id"], "--json")

    assert rotated["replaces"] == old["id"]
    assert (rotated["name"], rotated["scopes"], rotated["mode"]) == (
        "ERP",
        ["account:read"],
        "test",
    )
    assert rotated["key"].startswith("fk_test_")
    assert rotated["key"] != old["key"]
    assert again.returncode == 1
    assert json.loads(again.stderr)["error"]["code"] == "invalid_state"
    app = create_app(Settings(database_url=url))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        with_old = await client.get(
            "/v1/account", headers={"Authorization": f"Bearer {old['key']}"}
        )
        with_new = await client.get(
            "/v1/account", headers={"Authorization": f"Bearer {rotated['key']}"}
        )
    await app.state.runtime.db.dispose()
    assert (with_old.status_code, with_new.status_code) == (401, 200)


def test_migrate_status_and_check(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"

    empty = faktura(url, "migrate", "status", "--json")
    pending = faktura(url, "migrate", "check", "--json")
    migrated = faktura(url, "migrate", "--json")
    current = _json(faktura(url, "migrate", "status", "--json"))
    passes = faktura(url, "migrate", "check")

    from faktura.db.migrate import head_revision, pending_revisions

    assert _json(empty) == {
        "current": None,
        "head": head_revision(),
        "pending": pending_revisions(None),
    }
    assert pending_revisions(None)[0] == "0001"
    assert pending.returncode == 1
    assert json.loads(pending.stderr)["error"]["code"] == "migrations_pending"
    assert _json(migrated) == {"status": "current"}
    assert current == {"current": head_revision(), "head": head_revision(), "pending": []}
    assert passes.returncode == 0, passes.stderr


def test_openapi_prints_the_served_document(tmp_path: Path) -> None:
    url = _migrated(tmp_path)

    printed = _json(faktura(url, "openapi"))

    served = create_app(Settings(database_url=url)).openapi()
    assert printed == json.loads(json.dumps(served))
    assert "/v1/account/clearance" in printed["paths"]


def test_check_reports_each_part_and_fails_on_what_does_not_answer(tmp_path: Path) -> None:
    url = _migrated(tmp_path)
    unmigrated = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"

    healthy = _json(faktura(url, "check", "--json"))
    env_smtp = {
        "FAKTURA_SMTP_URL": "smtp://127.0.0.1:1",
        "FAKTURA_REDIS_URL": "redis://127.0.0.1:1",
    }
    broken = subprocess.run(
        [sys.executable, "-m", "faktura.cli", "check", "--json"],
        env={**os.environ, "FAKTURA_DATABASE_URL": unmigrated, **env_smtp},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert healthy == {
        "ok": True,
        "checks": {"settings": "ok", "database": "ok", "migrations": "ok"},
    }
    assert broken.returncode == 1
    checks = json.loads(broken.stdout)["checks"]
    assert checks["migrations"].startswith("pending: 0001, 0002")
    assert checks["smtp"].startswith("unreachable: ")
    assert checks["redis"].startswith("unreachable: ")


def test_usage_errors_are_json_with_json(tmp_path: Path) -> None:
    url = _migrated(tmp_path)

    bad = faktura(url, "accounts", "create", "--name", "X", "--currency", "EURO", "--json")
    missing = faktura(url, "keys", "create", "--json")

    assert bad.returncode == 2
    assert json.loads(bad.stderr)["error"]["code"] == "usage_error"
    assert "ISO 4217" in json.loads(bad.stderr)["error"]["message"]
    assert missing.returncode == 2
    assert "--account" in json.loads(missing.stderr)["error"]["message"]


async def test_export_writes_every_object_the_api_lists(tmp_path: Path) -> None:
    url = _migrated(tmp_path)
    account = _json(faktura(url, "accounts", "create", "--name", "Shop", "--json"))
    test_key = _json(faktura(url, "keys", "create", "--account", account["id"], "--json"))["key"]
    live_key = _json(
        faktura(url, "keys", "create", "--account", account["id"], "--mode", "live", "--json")
    )["key"]
    app = create_app(Settings(database_url=url, files_dir=tmp_path / "files"))
    lists = ("customers", "invoices", "payments", "items", "events", "api_keys")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        test = {"Authorization": f"Bearer {test_key}"}
        for n in range(3):
            made = await client.post(
                "/v1/customers", json=customer_body(company_name=f"C{n}"), headers=test
            )
            assert made.status_code == 201, made.text
            customer = made.json()
            invoice = await client.post(
                "/v1/invoices",
                json={
                    "customer_id": customer["id"],
                    "status": "pending",
                    "line_items": [{"description": "Work", "quantity": "3", "unit_price": "0.10"}],
                },
                headers=test,
            )
            assert invoice.status_code == 201, invoice.text
        await client.post("/v1/items", json={"name": "Hour", "unit_price": "80.00"}, headers=test)
        live = {"Authorization": f"Bearer {live_key}"}
        await client.post("/v1/customers", json=customer_body(), headers=live)
        totals = {}
        for mode, headers in (("test", test), ("live", live)):
            for name in lists:
                page = (
                    await client.get(f"/v1/{name}", params={"per_page": 100}, headers=headers)
                ).json()
                totals[(mode, name)] = [item["id"] for item in page["data"]]
    await app.state.runtime.db.dispose()

    out = tmp_path / "export"
    done = _json(faktura(url, "export", "--account", account["id"], "--out", str(out), "--json"))
    after = _json(faktura(url, "keys", "list", "--account", account["id"], "--json"))

    for (mode, name), ids in totals.items():
        lines = (out / mode / f"{name}.jsonl").read_text().splitlines()
        assert sorted(json.loads(line)["id"] for line in lines) == sorted(ids), (mode, name)
        assert done["counts"][mode][name] == len(ids)
    [first, *_] = (out / "test" / "invoices.jsonl").read_text().splitlines()
    assert '"total":0.30' in first  # exact, as the API writes it
    settings = json.loads((out / "test" / "account.json").read_text())
    assert settings["account"]["name"] == "Shop"
    assert settings["account/clearance"] is None
    assert len(after["data"]) == 2  # the export's own keys are gone


def test_options_with_choices_show_and_check_them(tmp_path: Path) -> None:
    """Metavars list the choices; another value is a usage error, as JSON under --json."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'choices.db'}"
    help_text = faktura(url, "keys", "create", "--help").stdout

    refused = faktura(url, "keys", "create", "--account", "x", "--mode", "staging", "--json")

    assert "test|live" in help_text
    assert "basic|pro|enterprise" in help_text
    assert refused.returncode == 2
    assert json.loads(refused.stderr)["error"]["code"] == "usage_error"
    assert values_of(JobStatus) == STATUSES
