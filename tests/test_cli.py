"""The CLI as scripts use it: JSON out, and the keys it makes work against the API."""

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from faktura.app import create_app
from faktura.config import Settings
from faktura.db.migrate import upgrade_to_head

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
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    upgrade_to_head(url)
    result = faktura(url, "jobs", "run-due", "--json")
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
    again = faktura(url, "jobs", "run-due", "--json")
    assert json.loads(again.stdout) == {"jobs_run": 0, "by_status": {}, "results": {}}


async def test_bench_seed_makes_accounts_each_with_its_key_and_data(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    upgrade_to_head(url)

    seeded = faktura(
        url, "bench", "seed", "--customers", "2", "--invoices", "3", "--accounts", "2", "--json"
    )
    refused = faktura(url, "bench", "seed", "--account", "x", "--accounts", "2")

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
