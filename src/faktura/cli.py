"""`faktura serve | worker | migrate | accounts | keys | demo`; the bootstrap path for scripts."""

import asyncio
import json
import sys
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import typer
from rich.console import Console

from faktura.config import DATA_DIR, PROJECT_ROOT, Settings, get_settings

T = TypeVar("T")

app = typer.Typer(
    help="Faktura: self-hosted invoicing and accounts receivable.",
    no_args_is_help=True,
    add_completion=False,
)
accounts_app = typer.Typer(help="Manage accounts (tenants).", no_args_is_help=True)
keys_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)
jobs_app = typer.Typer(help="Background jobs: list, retry, run what is due.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmark data (from a checkout).", no_args_is_help=True)
app.add_typer(accounts_app, name="accounts")
app.add_typer(keys_app, name="keys")
app.add_typer(jobs_app, name="jobs")
app.add_typer(bench_app, name="bench")
console = Console()


def _version(shown: bool) -> None:
    if shown:
        from importlib.metadata import version

        typer.echo(f"faktura {version('faktura')}")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit"
    ),
) -> None:
    """Faktura: self-hosted invoicing and accounts receivable."""


DEMO_KEY_FILE = DATA_DIR / "demo-key.txt"


def _run(work: Callable[[Settings], Coroutine[Any, Any, T]]) -> T:
    """Run async work; a refused request is an error message and exit status 1."""
    from faktura.core.errors import FakturaError

    settings = get_settings()
    try:
        return asyncio.run(work(settings))
    except FakturaError as exc:
        Console(stderr=True).print(f"[red]Error:[/red] {exc.message}")
        raise typer.Exit(1) from exc


def _wire() -> None:
    from faktura.wiring import wire

    wire()


async def _in_transaction(settings: Settings, work: Callable[[Any], Awaitable[T]]) -> T:
    from faktura.db.session import database_from_settings

    _wire()
    db = database_from_settings(settings, pool_size=1)
    try:
        async with db.transaction() as session:
            return await work(session)
    finally:
        await db.dispose()


def _account_id(account: str) -> uuid.UUID:
    try:
        return uuid.UUID(account)
    except ValueError as exc:
        raise typer.BadParameter("not an account id", param_hint="--account") from exc


def _emit(data: dict[str, Any], as_json: bool, human: str) -> None:
    if as_json:
        typer.echo(json.dumps(data))
    else:
        console.print(human, soft_wrap=True)


@app.command()
def migrate() -> None:
    """Bring the database schema to the latest migration."""
    from faktura.db.migrate import upgrade_to_head

    upgrade_to_head(get_settings().database_url)
    console.print("[green]Database is up to date.[/green]")


@app.command()
def serve(
    host: str | None = typer.Option(None, help="Address to listen on [FAKTURA_HOST]"),
    port: int | None = typer.Option(None, help="Port [FAKTURA_PORT]"),
    workers: int | None = typer.Option(None, help="Processes [FAKTURA_WORKERS]"),
) -> None:
    """Serve the HTTP API with uvicorn."""
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "faktura.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_level=settings.log_level,
        proxy_headers=False,
        server_header=False,
    )


@app.command()
def worker(
    once: bool = typer.Option(False, "--once", help="Run what is due now, then exit"),
    concurrency: int | None = typer.Option(
        None, min=1, max=500, help="Jobs run at once [FAKTURA_WORKER_CONCURRENCY]"
    ),
) -> None:
    """Run background jobs (webhook deliveries, periodic jobs): claim, run, retry on schedule."""
    import signal

    from faktura.db.session import database_from_settings
    from faktura.worker.runner import JobWorker, run_forever

    _wire()
    settings = get_settings()
    if concurrency is not None:
        settings = settings.model_copy(update={"worker_concurrency": concurrency})

    async def work() -> None:
        db = database_from_settings(settings)
        try:
            if once:
                outcomes = await JobWorker(db, settings).run_once()
                console.print(f"Ran {len(outcomes)} jobs.")
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signal_number in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signal_number, stop.set)
            console.print("Job worker started; Ctrl-C stops it.")
            await run_forever(db, settings, stop, scheduler=settings.scheduler_interval_seconds > 0)
        finally:
            await db.dispose()

    asyncio.run(work())


@accounts_app.command("create")
def accounts_create(
    name: str = typer.Option(..., help="Company name"),
    currency: str = typer.Option("USD", help="Default currency (ISO 4217)"),
    country: str | None = typer.Option(None, help="Country (ISO 3166 alpha-2)"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for machines"),
) -> None:
    """Create an account."""
    from faktura.accounts.service import create_account
    from faktura.core.money import check_currency
    from faktura.core.types import check_country

    try:
        currency = check_currency(currency)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--currency") from exc
    if country is not None:
        try:
            country = check_country(country.upper())
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--country") from exc

    async def work(session: Any) -> dict[str, Any]:
        account = await create_account(session, name=name, currency=currency, country=country)
        return {
            "id": str(account.id),
            "name": account.name,
            "default_currency": account.default_currency,
        }

    data = _run(lambda settings: _in_transaction(settings, work))
    _emit(data, as_json, f"Created account [bold]{data['id']}[/bold] ({name}).")


@keys_app.command("create")
def keys_create(
    account: str = typer.Option(..., help="Account id"),
    mode: str = typer.Option("test", help="test or live"),
    scopes: str = typer.Option("*", help="Comma-separated scopes"),
    plan: str | None = typer.Option(None, help="basic, pro, enterprise or unlimited"),
    name: str = typer.Option("CLI key", help="What the key is for"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for machines"),
) -> None:
    """Create an API key and print it (the only time it is shown)."""
    data = _run(lambda settings: _create_key(settings, account, mode, scopes, plan, name))
    _emit(data, as_json, f"Created key {data['id']}: [bold]{data['key']}[/bold]")


async def _create_key(
    settings: Settings,
    account: str,
    mode: str,
    scopes: str,
    plan: str | None,
    name: str,
) -> dict[str, Any]:
    from faktura.accounts import api_keys
    from faktura.accounts.service import get_account
    from faktura.core.errors import ValidationFailed

    if mode not in ("test", "live"):
        raise typer.BadParameter("must be test or live", param_hint="--mode")
    # Checked before the database is opened; issue_api_key checks them again.
    try:
        scope_list = api_keys.check_scopes([s.strip() for s in scopes.split(",") if s.strip()])
    except ValidationFailed as exc:
        raise typer.BadParameter(exc.details[0].message, param_hint="--scopes") from exc
    try:
        chosen_plan = api_keys.check_plan(plan or settings.default_plan)
    except ValidationFailed as exc:
        raise typer.BadParameter(exc.details[0].message, param_hint="--plan") from exc
    account_id = _account_id(account)

    async def work(session: Any) -> dict[str, Any]:
        await get_account(session, account_id)
        issued = await api_keys.issue_api_key(
            session,
            account_id=account_id,
            livemode=mode == "live",
            name=name,
            scopes=scope_list,
            plan=chosen_plan,
        )
        return {
            "id": str(issued.key.id),
            "key": issued.secret,
            "mode": mode,
            "scopes": issued.key.scopes,
            "plan": issued.key.plan,
        }

    return await _in_transaction(settings, work)


@jobs_app.command("run-due")
def jobs_run_due(
    as_json: bool = typer.Option(False, "--json", help="Print JSON for machines"),
) -> None:
    """Enqueue this period's periodic jobs, run every due job once, print what they did.

    For cron, with FAKTURA_SCHEDULER_INTERVAL_SECONDS=0 and no worker running.
    """
    from faktura.db.session import database_from_settings
    from faktura.jobs.kinds import registry
    from faktura.worker import schedule
    from faktura.worker.runner import JobWorker

    _wire()

    async def work(settings: Settings) -> dict[str, Any]:
        db = database_from_settings(settings, pool_size=2)
        try:
            await schedule.tick(db, settings, registry)
            outcomes = await JobWorker(db, settings).run_once()
        finally:
            await db.dispose()
        summary: dict[str, Any] = {"jobs_run": len(outcomes), "by_status": {}, "results": {}}
        for outcome in outcomes:
            by_status = summary["by_status"].setdefault(outcome.status, {})
            by_status[outcome.kind] = by_status.get(outcome.kind, 0) + 1
            for name, count in (outcome.result or {}).items():
                summary["results"][name] = summary["results"].get(name, 0) + count
        return summary

    done = _run(work)
    human = f"Ran {done['jobs_run']} jobs: " + (
        ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in done["results"].items()) or "nothing"
    )
    _emit(done, as_json, human)


@jobs_app.command("list")
def jobs_list(
    status: str | None = typer.Option(
        None, help="queued, running, succeeded or failed (default: all)"
    ),
    kind: str | None = typer.Option(None, help="Only jobs of this kind"),
    limit: int = typer.Option(50, min=1, max=1000, help="Newest first, at most this many"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for machines"),
) -> None:
    """List jobs, newest first: what is waiting, running, done and failed (with the error)."""
    from faktura.jobs import service

    if status is not None and status not in service.STATUSES:
        raise typer.BadParameter(
            f"must be one of {', '.join(service.STATUSES)}", param_hint="--status"
        )

    async def work(session: Any) -> list[dict[str, Any]]:
        jobs = await service.list_jobs(session, status=status, kind=kind, limit=limit)
        return [service.job_out(job) for job in jobs]

    rows = _run(lambda settings: _in_transaction(settings, work))
    if as_json:
        typer.echo(json.dumps(rows))
        return
    from rich.table import Table

    table = Table("id", "kind", "status", "attempts", "run_at", "last_error")
    for row in rows:
        error = (row["last_error"] or "").splitlines()[-1:] or [""]
        table.add_row(
            row["id"], row["kind"], row["status"], str(row["attempts"]), row["run_at"], error[0]
        )
    console.print(table)


@jobs_app.command("retry")
def jobs_retry(
    job_id: str = typer.Argument(..., help="Id of a failed job"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for machines"),
) -> None:
    """Run a failed job again now, with a fresh count of attempts."""
    from faktura.jobs import service

    try:
        parsed = uuid.UUID(job_id)
    except ValueError as exc:
        raise typer.BadParameter("not a job id", param_hint="JOB_ID") from exc

    async def work(session: Any) -> dict[str, Any]:
        return service.job_out(await service.retry_job(session, parsed))

    data = _run(lambda settings: _in_transaction(settings, work))
    _emit(data, as_json, f"Job {data['id']} ({data['kind']}) is queued to run now.")


@app.command()
def demo(
    as_json: bool = typer.Option(False, "--json", help="Print JSON for machines"),
) -> None:
    """Migrate, then make sure a demo account and a test key exist; print how to call the API."""
    from faktura.db.migrate import upgrade_to_head

    settings = get_settings()
    upgrade_to_head(settings.database_url)
    saved = json.loads(DEMO_KEY_FILE.read_text()) if DEMO_KEY_FILE.exists() else {}
    data = _run(lambda s: _ensure_demo(s, saved))
    if data["key"] != saved.get("key"):
        DEMO_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
        DEMO_KEY_FILE.write_text(json.dumps({"account_id": data["account_id"], "key": data["key"]}))
        DEMO_KEY_FILE.chmod(0o600)
    base = f"http://{settings.host}:{settings.port}"
    data["curl"] = f"curl -s {base}/v1/account -H 'Authorization: Bearer {data['key']}'"
    data["docs"] = f"{base}/docs"
    _emit(
        data,
        as_json,
        f"\n[bold]Faktura demo account[/bold] {data['account_id']}\n"
        f"Test-mode API key: [bold green]{data['key']}[/bold green]\n"
        f"Try:  {data['curl']}\nDocs: {data['docs']}\n",
    )


async def _ensure_demo(settings: Settings, saved: dict[str, str]) -> dict[str, Any]:
    """Reuse the demo account and key saved by an earlier run while they still exist."""
    from sqlalchemy import select

    from faktura.accounts.api_keys import find_active_api_key
    from faktura.accounts.models import Account
    from faktura.accounts.service import create_account

    async def work(session: Any) -> dict[str, Any]:
        account_id = saved.get("account_id")
        account = None
        if account_id:
            account = (
                await session.execute(select(Account).where(Account.id == uuid.UUID(account_id)))
            ).scalar_one_or_none()
        if account is None:
            account = await create_account(
                session, name="Demo Company Ltd", currency="ILS", country="IL"
            )
        key = saved.get("key")
        if not key or await find_active_api_key(session, key) is None:
            key = None
        return {"account_id": str(account.id), "key": key}

    data = await _in_transaction(settings, work)
    if data["key"] is None:
        created = await _create_key(
            settings, data["account_id"], "test", "*", "unlimited", "Demo key"
        )
        data["key"] = created["key"]
    return data


@bench_app.command("seed")
def bench_seed(
    customers: int = typer.Option(1000, min=0, help="Customers to add"),
    invoices: int = typer.Option(10_000, min=0, help="Issued invoices to add"),
    account: str | None = typer.Option(
        None, help="Test-mode account to add to; a new account and key when omitted"
    ),
    accounts: int = typer.Option(
        1, min=1, help="New accounts to make, each with its key and the same data"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for machines"),
) -> None:
    """Bulk-insert customers and issued invoices (totals, gapless numbers, counters kept)."""
    import importlib
    import sys

    if not (PROJECT_ROOT / "bench" / "seed.py").exists():
        raise typer.BadParameter("needs a checkout: bench/seed.py is not here")
    if account is not None and accounts > 1:
        raise typer.BadParameter("--account adds to one account", param_hint="--accounts")
    sys.path.insert(0, str(PROJECT_ROOT))
    seeder = importlib.import_module("bench.seed")
    settings = get_settings()
    made: list[dict[str, Any]] = []
    if account is None:
        from faktura.accounts.service import create_account

        async def work(session: Any) -> str:
            created = await create_account(
                session, name="Bench Company GmbH", currency="EUR", country="DE"
            )
            return str(created.id)

        async def account_with_key(settings: Settings) -> dict[str, Any]:
            account_id = await _in_transaction(settings, work)
            key = await _create_key(settings, account_id, "test", "*", "unlimited", "Bench key")
            return {"account_id": account_id, "key": key["key"]}

        made = [_run(account_with_key) for _ in range(accounts)]
    else:
        made.append({"account_id": str(_account_id(account))})
    seconds = 0.0
    for index, target in enumerate(made):
        seeded = seeder.seed(
            settings.database_url,
            uuid.UUID(target["account_id"]),
            customers=customers,
            invoices=invoices,
            settle=index == len(made) - 1,
        )
        seconds += seeded["seconds"]
    data: dict[str, Any] = {**made[0], "customers": customers, "invoices": invoices}
    if len(made) > 1:
        data["accounts"] = made
    data["seconds"] = round(seconds, 2)
    _emit(
        data,
        as_json,
        f"Added {customers} customers and {invoices} invoices to "
        + (made[0]["account_id"] if len(made) == 1 else f"each of {len(made)} accounts")
        + f" in {data['seconds']} s.",
    )


def _key_out(key: Any) -> dict[str, Any]:
    """A key as the API shows it."""
    from faktura.accounts.schemas import api_key_out

    return api_key_out(key).model_dump(mode="json")


@keys_app.command("list")
def keys_list(
    account: str = typer.Option(..., help="Account id"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for machines"),
) -> None:
    """List an account's API keys, live and test, newest first (never their secrets)."""
    account_id = _account_id(account)

    async def work(session: Any) -> list[dict[str, Any]]:
        from faktura.accounts import api_keys
        from faktura.accounts.service import get_account
        from faktura.core.tenant import Tenant
        from faktura.db.pagination import PageParams

        await get_account(session, account_id)
        found = []
        for livemode in (True, False):
            params = PageParams(1, 100, None)
            page = await api_keys.list_api_keys(session, Tenant(account_id, livemode), params)
            found += [_key_out(key) for key in page.items]
        return sorted(found, key=lambda key: key["id"], reverse=True)

    keys = _run(lambda settings: _in_transaction(settings, work))
    lines = "\n".join(
        f"{k['id']}  {k['mode']:4}  {k['redacted']}  {k['name']}"
        + ("  (revoked)" if k["revoked_at"] else "")
        for k in keys
    )
    _emit({"data": keys}, as_json, lines or "No keys")


@keys_app.command("revoke")
def keys_revoke(
    key_id: str = typer.Argument(..., help="The key's id"),
    account: str = typer.Option(..., help="Account id"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for machines"),
) -> None:
    """Revoke an API key: it stops working at once (other processes: within their auth cache)."""
    account_id = _account_id(account)
    try:
        wanted = uuid.UUID(key_id)
    except ValueError as exc:
        raise typer.BadParameter("not a key id", param_hint="KEY_ID") from exc

    async def work(session: Any) -> dict[str, Any]:
        from sqlalchemy import select

        from faktura.accounts import api_keys
        from faktura.accounts.models import ApiKey
        from faktura.core.errors import NotFound
        from faktura.core.tenant import Tenant

        livemode = (
            await session.execute(
                select(ApiKey.livemode).where(ApiKey.id == wanted, ApiKey.account_id == account_id)
            )
        ).scalar_one_or_none()
        if livemode is None:
            raise NotFound(f"No such API key of that account: {wanted}")
        key = await api_keys.revoke_api_key(session, Tenant(account_id, livemode), wanted)
        return _key_out(key)

    revoked = _run(lambda settings: _in_transaction(settings, work))
    _emit(revoked, as_json, f"Revoked key {revoked['id']} ({revoked['redacted']})")


def main() -> None:
    from pydantic import ValidationError

    try:
        get_settings()
    except ValidationError as exc:
        # A setting that cannot work is one line per setting, not a traceback.
        for error in exc.errors():
            name = "_".join(str(part) for part in error["loc"]).upper()
            message = str(error["msg"]).removeprefix("Value error, ")
            print(f"faktura: FAKTURA_{name}: {message}", file=sys.stderr)
        raise SystemExit(2) from None
    app()


if __name__ == "__main__":
    main()
