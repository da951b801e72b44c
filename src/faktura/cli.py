"""`faktura serve | worker | migrate | accounts | keys | demo`; the bootstrap path for scripts."""

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import typer
from rich.console import Console

from faktura.config import PROJECT_ROOT, Settings, get_settings

T = TypeVar("T")

app = typer.Typer(
    help="Faktura: self-hosted invoicing and accounts receivable.",
    no_args_is_help=True,
    add_completion=False,
)
accounts_app = typer.Typer(help="Manage accounts (tenants).", no_args_is_help=True)
keys_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)
jobs_app = typer.Typer(help="Scheduled jobs.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmark data (from a checkout).", no_args_is_help=True)
app.add_typer(accounts_app, name="accounts")
app.add_typer(keys_app, name="keys")
app.add_typer(jobs_app, name="jobs")
app.add_typer(bench_app, name="bench")
console = Console()

DEMO_KEY_FILE = PROJECT_ROOT / "var" / "demo-key.txt"


def _run(work: Callable[[Settings], Coroutine[Any, Any, T]]) -> T:
    """Run async work; a refused request is an error message and exit status 1."""
    from faktura.core.errors import FakturaError

    settings = get_settings()
    try:
        return asyncio.run(work(settings))
    except FakturaError as exc:
        Console(stderr=True).print(f"[red]Error:[/red] {exc.message}")
        raise typer.Exit(1) from exc


async def _in_transaction(settings: Settings, work: Callable[[Any], Awaitable[T]]) -> T:
    from faktura.db.session import database_from_url

    db = database_from_url(settings.database_url, pool_size=1)
    try:
        async with db.transaction() as session:
            return await work(session)
    finally:
        await db.dispose()


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
    once: bool = typer.Option(False, "--once", help="Send what is due now, then exit"),
    concurrency: int | None = typer.Option(
        None, min=1, max=500, help="Requests in flight [FAKTURA_WEBHOOK_CONCURRENCY]"
    ),
) -> None:
    """Deliver webhooks: claim due deliveries, send them signed, retry on the schedule."""
    import signal

    from faktura.db.session import database_from_url
    from faktura.worker.runner import WebhookWorker, run_forever

    settings = get_settings()
    if concurrency is not None:
        settings = settings.model_copy(update={"webhook_concurrency": concurrency})

    async def work() -> None:
        db = database_from_url(settings.database_url, settings.database_pool_size)
        try:
            if once:
                sent = await WebhookWorker(db, settings).run_once()
                console.print(f"Sent {sent} webhook requests.")
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signal_number in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signal_number, stop.set)
            console.print("Webhook worker started; Ctrl-C stops it.")
            await run_forever(db, settings, stop)
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
    import uuid

    from faktura.accounts.routes import redact
    from faktura.accounts.service import create_api_key, get_account
    from faktura.api.auth import GRANTABLE_SCOPES, generate_key, hash_key
    from faktura.api.ratelimit import PLANS

    if mode not in ("test", "live"):
        raise typer.BadParameter("must be test or live", param_hint="--mode")
    scope_list = sorted({s.strip() for s in scopes.split(",") if s.strip()})
    unknown = [s for s in scope_list if s not in GRANTABLE_SCOPES]
    if unknown or not scope_list:
        raise typer.BadParameter(f"unknown scopes: {unknown}", param_hint="--scopes")
    chosen_plan = plan or settings.default_plan
    if chosen_plan not in PLANS:
        raise typer.BadParameter(f"must be one of {', '.join(PLANS)}", param_hint="--plan")
    try:
        account_id = uuid.UUID(account)
    except ValueError as exc:
        raise typer.BadParameter("not an account id", param_hint="--account") from exc
    livemode = mode == "live"
    secret = generate_key(livemode)

    async def work(session: Any) -> dict[str, Any]:
        await get_account(session, account_id)
        key = await create_api_key(
            session,
            account_id=account_id,
            livemode=livemode,
            name=name,
            scopes=scope_list,
            plan=chosen_plan,
            key_hash=hash_key(secret),
            redacted=redact(secret),
        )
        return {
            "id": str(key.id),
            "key": secret,
            "mode": mode,
            "scopes": scope_list,
            "plan": chosen_plan,
        }

    return await _in_transaction(settings, work)


@jobs_app.command("run-due")
def jobs_run_due(
    as_json: bool = typer.Option(False, "--json", help="Print JSON for machines"),
) -> None:
    """Run every due job once (overdue invoices, expired idempotency keys), e.g. from cron."""
    from faktura.db.session import database_from_url
    from faktura.worker.schedule import run_due_jobs

    async def work(settings: Settings) -> dict[str, int]:
        db = database_from_url(settings.database_url, pool_size=1)
        try:
            return await run_due_jobs(db)
        finally:
            await db.dispose()

    done = _run(work)
    _emit(dict(done), as_json, ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in done.items()))


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

    from faktura.accounts.models import Account
    from faktura.accounts.service import create_account, find_active_api_key
    from faktura.api.auth import hash_key

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
        if not key or await find_active_api_key(session, hash_key(key)) is None:
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
        try:
            made.append({"account_id": str(uuid.UUID(account))})
        except ValueError as exc:
            raise typer.BadParameter("not an account id", param_hint="--account") from exc
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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
