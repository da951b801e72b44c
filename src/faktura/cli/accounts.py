"""`faktura accounts create | list | show | update`."""

from typing import Any

import typer

from faktura.cli.common import JSON_OPTION, account_id, emit, fail, in_transaction, run

app = typer.Typer(help="Manage accounts (tenants).", no_args_is_help=True)
# The option of each field, where the names differ.
_OPTIONS = {"default_currency": "currency", "legal_name": "legal-name", "tax_id": "tax-id"}


def _shown(account: Any) -> dict[str, Any]:
    from faktura.accounts.schemas import account_out

    shown: dict[str, Any] = account_out(account).model_dump(mode="json")
    return shown


@app.command("create")
def create(
    name: str = typer.Option(..., help="Company name"),
    currency: str = typer.Option("USD", help="Default currency (ISO 4217)"),
    country: str | None = typer.Option(None, help="Country (ISO 3166 alpha-2)"),
    as_json: bool = JSON_OPTION,
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

    data = run(lambda settings: in_transaction(settings, work))
    emit(data, as_json, f"Created account [bold]{data['id']}[/bold] ({name}).")


@app.command("list")
def list_accounts(
    limit: int = typer.Option(100, min=1, max=10_000, help="Oldest first, at most this many"),
    as_json: bool = JSON_OPTION,
) -> None:
    """List accounts: id, name, currency, country, created."""
    from sqlalchemy import select

    from faktura.accounts.models import Account

    async def work(session: Any) -> list[dict[str, Any]]:
        rows = await session.execute(select(Account).order_by(Account.id).limit(limit))
        return [
            {
                "id": str(a.id),
                "name": a.name,
                "default_currency": a.default_currency,
                "country": (a.address or {}).get("country"),
                "created_at": a.created_at.isoformat(),
            }
            for a in rows.scalars()
        ]

    found = run(lambda settings: in_transaction(settings, work, writes=False))
    lines = "\n".join(
        f"{a['id']}  {a['default_currency']}  {a['country'] or '--'}  {a['name']}" for a in found
    )
    emit({"data": found}, as_json, lines or "No accounts")


@app.command("show")
def show(
    account: str = typer.Argument(..., help="Account id"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show an account as the API does (GET /v1/account)."""
    from faktura.accounts.service import get_account

    wanted = account_id(account)

    async def work(session: Any) -> dict[str, Any]:
        return _shown(await get_account(session, wanted))

    data = run(lambda settings: in_transaction(settings, work, writes=False))
    import json

    emit(data, as_json, json.dumps(data, indent=2, ensure_ascii=False))


@app.command("update")
def update(
    account: str = typer.Argument(..., help="Account id"),
    name: str | None = typer.Option(None, help="Company name"),
    legal_name: str | None = typer.Option(None, help="Registered legal name"),
    tax_id: str | None = typer.Option(None, help="VAT or tax number"),
    email: str | None = typer.Option(None, help="Billing email"),
    currency: str | None = typer.Option(None, help="Default currency (ISO 4217)"),
    locale: str | None = typer.Option(None, help="BCP 47 locale, e.g. he-IL"),
    timezone: str | None = typer.Option(None, help="IANA time zone, e.g. Europe/Athens"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Change an account's details, checked as PATCH /v1/account checks them."""
    from pydantic import ValidationError

    from faktura.accounts.schemas import AccountUpdate
    from faktura.accounts.service import update_account
    from faktura.core.tenant import Tenant

    wanted = account_id(account)
    given = {
        "name": name,
        "legal_name": legal_name,
        "tax_id": tax_id,
        "email": email,
        "default_currency": currency,
        "locale": locale,
        "timezone": timezone,
    }
    changes = {field: value for field, value in given.items() if value is not None}
    if not changes:
        raise fail("validation_error", "nothing to change: give at least one option")
    try:
        body = AccountUpdate.model_validate(changes)
    except ValidationError as exc:
        problems = "; ".join(
            f"--{_OPTIONS.get(str(e['loc'][0]), str(e['loc'][0]))}: {e['msg']}"
            for e in exc.errors()
        )
        raise fail("validation_error", problems) from exc

    async def work(session: Any) -> dict[str, Any]:
        # The account is one business in both modes; its change is recorded in live mode.
        return _shown(await update_account(session, Tenant(wanted, True), body))

    data = run(lambda settings: in_transaction(settings, work))
    emit(data, as_json, f"Updated account {data['id']}: {', '.join(sorted(changes))}.")
