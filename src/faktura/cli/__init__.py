"""`faktura`: the operator's command line — serve, work, migrate, manage accounts and keys,
look after jobs, take data out, and check a deployment. Every command takes `--json` and then
prints JSON, errors included."""

import json
import sys

import typer
from typer.exceptions import TyperException

from faktura.cli import accounts, export, jobs, keys, server
from faktura.cli.common import wants_json
from faktura.config import get_settings

app = typer.Typer(
    help="Faktura: self-hosted invoicing and accounts receivable.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(server.migrate_app, name="migrate")
app.command()(server.serve)
app.command()(server.worker)
app.command()(server.demo)
app.add_typer(accounts.app, name="accounts")
app.add_typer(keys.app, name="keys")
app.add_typer(jobs.app, name="jobs")
app.command()(export.export)
app.command()(server.openapi)
app.command()(server.check)


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


def _error(code: str, message: str) -> None:
    if wants_json():
        print(json.dumps({"error": {"code": code, "message": message}}), file=sys.stderr)
    else:
        print(f"faktura: {message}", file=sys.stderr)


def main() -> None:
    from pydantic import ValidationError

    try:
        get_settings()
    except ValidationError as exc:
        # A setting that cannot work is one line per setting, not a traceback.
        for error in exc.errors():
            name = "_".join(str(part) for part in error["loc"]).upper()
            message = str(error["msg"]).removeprefix("Value error, ")
            _error("invalid_setting", f"FAKTURA_{name}: {message}")
        raise SystemExit(2) from None
    if not wants_json():
        app()
        return
    try:
        result = app(standalone_mode=False)
    except TyperException as exc:
        # Usage errors (a bad option value, a missing argument) as JSON too.
        format_message = getattr(exc, "format_message", None)
        message = format_message() if format_message is not None else str(exc)
        _error("usage_error", message)
        raise SystemExit(getattr(exc, "exit_code", 2)) from None
    except typer.Abort:
        raise SystemExit(1) from None
    raise SystemExit(result if isinstance(result, int) else 0)
