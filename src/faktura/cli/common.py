"""What every command shares: running async work against the database, reading ids, and
printing for people or, with `--json`, for machines (errors too)."""

import asyncio
import json
import sys
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import typer
from rich.console import Console

from faktura.config import Settings, get_settings

T = TypeVar("T")
console = Console()

JSON_OPTION = typer.Option(False, "--json", help="Print JSON for machines (errors too)")


def wants_json() -> bool:
    """Whether the command line asked for JSON: errors raised before a command reads its own
    options are printed as JSON then too."""
    return "--json" in sys.argv[1:]


def fail(code: str, message: str, status: int = 1) -> typer.Exit:
    """Print an error (JSON with --json) and return the exit to raise."""
    if wants_json():
        typer.echo(json.dumps({"error": {"code": code, "message": message}}), err=True)
    else:
        Console(stderr=True).print(f"[red]Error:[/red] {message}")
    return typer.Exit(status)


def run(work: Callable[[Settings], Coroutine[Any, Any, T]]) -> T:
    """Run async work; a refused request is an error message and exit status 1."""
    from faktura.core.errors import FakturaError

    settings = get_settings()
    try:
        return asyncio.run(work(settings))
    except FakturaError as exc:
        raise fail(exc.code, exc.message) from exc


def wire() -> None:
    from faktura.wiring import wire as wire_all

    wire_all()


async def in_transaction(
    settings: Settings, work: Callable[[Any], Awaitable[T]], *, writes: bool = True
) -> T:
    from faktura.db.session import database_from_settings

    wire()
    db = database_from_settings(settings, pool_size=1)
    try:
        async with db.transaction(writes=writes) as session:
            return await work(session)
    finally:
        await db.dispose()


def parse_id(value: str, hint: str, what: str = "an id") -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise typer.BadParameter(f"not {what}", param_hint=hint) from exc


def account_id(account: str) -> uuid.UUID:
    return parse_id(account, "--account", "an account id")


def emit(data: Any, as_json: bool, human: str) -> None:
    if as_json:
        typer.echo(json.dumps(data, default=str))
    else:
        console.print(human, soft_wrap=True)
