"""`faktura migrate [status | check] | serve | worker | demo | openapi | check`: running the
server and seeing that everything it needs is there."""

import asyncio
import json
from typing import Any

import typer

from faktura.cli.common import JSON_OPTION, console, emit, fail, in_transaction, run, wire
from faktura.cli.keys import create_key
from faktura.config import DATA_DIR, Settings, get_settings

DEMO_KEY_FILE = DATA_DIR / "demo-key.txt"

migrate_app = typer.Typer(
    help="Bring the database schema to the latest migration (or: status, check).",
    invoke_without_command=True,
)


@migrate_app.callback()
def migrate(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Bring the database schema to the latest migration."""
    if ctx.invoked_subcommand is not None:
        return
    from faktura.db.migrate import upgrade_to_head

    upgrade_to_head(get_settings().database_url)
    emit({"status": "current"}, as_json, "[green]Database is up to date.[/green]")


def _migration_state(settings: Settings) -> dict[str, Any]:
    from faktura.db.migrate import current_revision, head_revision, pending_revisions

    async def work(session: Any) -> str | None:
        connection = await session.connection()
        found: str | None = await connection.run_sync(current_revision)
        return found

    current = asyncio.run(in_transaction(settings, work, writes=False))
    pending = pending_revisions(current)
    return {"current": current, "head": head_revision(), "pending": pending}


@migrate_app.command("status")
def migrate_status(as_json: bool = JSON_OPTION) -> None:
    """The database's revision, the latest, and the migrations still to run."""
    state = _migration_state(get_settings())
    human = f"Database at {state['current'] or 'no revision'}; latest {state['head']}. " + (
        f"Pending: {', '.join(state['pending'])}." if state["pending"] else "Nothing pending."
    )
    emit(state, as_json, human)


@migrate_app.command("check")
def migrate_check(as_json: bool = JSON_OPTION) -> None:
    """Exit 1 when migrations are pending (for deploy scripts and readiness)."""
    state = _migration_state(get_settings())
    if state["pending"]:
        raise fail("migrations_pending", f"pending migrations: {', '.join(state['pending'])}")
    emit(state, as_json, "[green]No migration pending.[/green]")


def serve(
    host: str | None = typer.Option(None, help="Address to listen on [FAKTURA_HOST]"),
    port: int | None = typer.Option(None, help="Port [FAKTURA_PORT]"),
    workers: int | None = typer.Option(None, help="Processes [FAKTURA_WORKERS]"),
) -> None:
    """Serve the HTTP API with uvicorn."""
    import uvicorn

    from faktura.ops import logs

    settings = get_settings()
    logs.configure(settings.log_level, settings.log_format)
    uvicorn.run(
        "faktura.cli.server:served_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_level=settings.log_level,
        # Faktura's own logging: its format, and an access log with the request id.
        log_config=None,
        access_log=False,
        proxy_headers=False,
        server_header=False,
    )


def served_app() -> Any:
    """The app as `faktura serve` runs it, in each of its processes: with Faktura's logging."""
    from faktura.app import create_app
    from faktura.ops import logs

    settings = get_settings()
    logs.configure(settings.log_level, settings.log_format)
    return create_app(settings)


def worker(
    once: bool = typer.Option(False, "--once", help="Run what is due now, then exit"),
    concurrency: int | None = typer.Option(
        None, min=1, max=500, help="Jobs run at once [FAKTURA_WORKER_CONCURRENCY]"
    ),
) -> None:
    """Run background jobs (webhook deliveries, periodic jobs): claim, run, retry on schedule."""
    import signal

    from faktura.db.session import database_from_settings
    from faktura.ops import logs
    from faktura.worker.runner import JobWorker, run_forever

    wire()
    settings = get_settings()
    logs.configure(settings.log_level, settings.log_format)
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


def demo(as_json: bool = JSON_OPTION) -> None:
    """Migrate, then make sure a demo account and a test key exist; print how to call the API."""
    from faktura.db.migrate import upgrade_to_head

    settings = get_settings()
    upgrade_to_head(settings.database_url)
    saved = json.loads(DEMO_KEY_FILE.read_text()) if DEMO_KEY_FILE.exists() else {}
    data = run(lambda s: _ensure_demo(s, saved))
    if data["key"] != saved.get("key"):
        DEMO_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
        DEMO_KEY_FILE.write_text(json.dumps({"account_id": data["account_id"], "key": data["key"]}))
        DEMO_KEY_FILE.chmod(0o600)
    base = f"http://{settings.host}:{settings.port}"
    data["curl"] = f"curl -s {base}/v1/account -H 'Authorization: Bearer {data['key']}'"
    data["docs"] = f"{base}/docs"
    emit(
        data,
        as_json,
        f"\n[bold]Faktura demo account[/bold] {data['account_id']}\n"
        f"Test-mode API key: [bold green]{data['key']}[/bold green]\n"
        f"Try:  {data['curl']}\nDocs: {data['docs']}\n",
    )


async def _ensure_demo(settings: Settings, saved: dict[str, str]) -> dict[str, Any]:
    """Reuse the demo account and key saved by an earlier run while they still exist."""
    import uuid

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

    data = await in_transaction(settings, work)
    if data["key"] is None:
        created = await create_key(
            settings, data["account_id"], "test", "*", "unlimited", "Demo key"
        )
        data["key"] = created["key"]
    return data


def openapi() -> None:
    """Print the OpenAPI document the server serves at /openapi.json."""
    from faktura.app import create_app

    typer.echo(json.dumps(create_app(get_settings()).openapi(), indent=2, ensure_ascii=False))


def check(as_json: bool = JSON_OPTION) -> None:
    """Check what the server needs: settings, the database and its migrations, Redis and the
    mail server when configured. Exit 1 when something is wrong."""
    settings = get_settings()
    results: dict[str, str] = {"settings": "ok"}
    try:
        state = _migration_state(settings)
        results["database"] = "ok"
        results["migrations"] = (
            f"pending: {', '.join(state['pending'])}" if state["pending"] else "ok"
        )
    except Exception as exc:
        results["database"] = f"unreachable: {type(exc).__name__}: {exc}"[:300]
    if settings.redis_url:
        results["redis"] = _check_redis(settings.redis_url)
    for name, url in (("smtp", settings.smtp_url), ("test_smtp", settings.test_smtp_url)):
        if url:
            results[name] = asyncio.run(_check_smtp(url))
    failed = {name: said for name, said in results.items() if said != "ok"}
    data = {"ok": not failed, "checks": results}
    human = "\n".join(
        f"{'[green]ok[/green]' if said == 'ok' else '[red]FAIL[/red]'}  {name}"
        + ("" if said == "ok" else f": {said}")
        for name, said in results.items()
    )
    emit(data, as_json, human)
    if failed:
        raise typer.Exit(1)


def _check_redis(url: str) -> str:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        client.ping()
        client.close()
    except Exception as exc:
        return f"unreachable: {type(exc).__name__}"
    return "ok"


async def _check_smtp(url: str) -> str:
    import aiosmtplib

    from faktura.email.smtp import server_of

    server = server_of(url)
    try:
        client = aiosmtplib.SMTP(
            hostname=server.hostname, port=server.port, use_tls=server.use_tls, timeout=5
        )
        await client.connect()
        await client.quit()
    except Exception as exc:
        return f"unreachable: {type(exc).__name__}"
    return "ok"
