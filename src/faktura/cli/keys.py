"""`faktura keys create | list | revoke | rotate`."""

from typing import Any, Literal

import typer

from faktura.cli.common import JSON_OPTION, account_id, emit, in_transaction, parse_id, run
from faktura.config import Plan, Settings

app = typer.Typer(help="Manage API keys.", no_args_is_help=True)


def key_out(key: Any) -> dict[str, Any]:
    """A key as the API shows it."""
    from faktura.accounts.schemas import api_key_out

    shown: dict[str, Any] = api_key_out(key).model_dump(mode="json")
    return shown


@app.command("create")
def create(
    account: str = typer.Option(..., help="Account id"),
    mode: Literal["test", "live"] = typer.Option("test", help="Mode of the key"),
    scopes: str = typer.Option("*", help="Comma-separated scopes"),
    plan: Plan | None = typer.Option(
        None, help="Rate-limit plan (the server's default if omitted)"
    ),
    name: str = typer.Option("CLI key", help="What the key is for"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Create an API key and print it (the only time it is shown)."""
    data = run(lambda settings: create_key(settings, account, mode, scopes, plan, name))
    emit(data, as_json, f"Created key {data['id']}: [bold]{data['key']}[/bold]")


async def create_key(
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

    # Checked before the database is opened; issue_api_key checks them again.
    try:
        scope_list = api_keys.check_scopes([s.strip() for s in scopes.split(",") if s.strip()])
    except ValidationFailed as exc:
        raise typer.BadParameter(exc.details[0].message, param_hint="--scopes") from exc
    try:
        chosen_plan = api_keys.check_plan(plan or settings.default_plan)
    except ValidationFailed as exc:
        raise typer.BadParameter(exc.details[0].message, param_hint="--plan") from exc
    wanted = account_id(account)

    async def work(session: Any) -> dict[str, Any]:
        await get_account(session, wanted)
        issued = await api_keys.issue_api_key(
            session,
            account_id=wanted,
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

    return await in_transaction(settings, work)


@app.command("list")
def list_keys(
    account: str = typer.Option(..., help="Account id"),
    as_json: bool = JSON_OPTION,
) -> None:
    """List an account's API keys, live and test, newest first (never their secrets)."""
    wanted = account_id(account)

    async def work(session: Any) -> list[dict[str, Any]]:
        from faktura.accounts import api_keys
        from faktura.accounts.service import get_account
        from faktura.core.tenant import Tenant
        from faktura.db.pagination import PageParams

        await get_account(session, wanted)
        found = []
        for livemode in (True, False):
            params = PageParams(1, 100, None)
            page = await api_keys.list_api_keys(session, Tenant(wanted, livemode), params)
            found += [key_out(key) for key in page.items]
        return sorted(found, key=lambda key: key["id"], reverse=True)

    keys = run(lambda settings: in_transaction(settings, work, writes=False))
    lines = "\n".join(
        f"{k['id']}  {k['mode']:4}  {k['redacted']}  {k['name']}"
        + ("  (revoked)" if k["revoked_at"] else "")
        for k in keys
    )
    emit({"data": keys}, as_json, lines or "No keys")


async def _key_of_account(session: Any, account: Any, key_id: Any) -> Any:
    """The key with its mode, or NotFound when the account has no such key."""
    from sqlalchemy import select

    from faktura.accounts.models import ApiKey
    from faktura.core.errors import NotFound

    key = (
        await session.execute(
            select(ApiKey).where(ApiKey.id == key_id, ApiKey.account_id == account)
        )
    ).scalar_one_or_none()
    if key is None:
        raise NotFound(f"No such API key of that account: {key_id}")
    return key


@app.command("revoke")
def revoke(
    key_id: str = typer.Argument(..., help="The key's id"),
    account: str = typer.Option(..., help="Account id"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Revoke an API key: it stops working at once (other processes: within their auth cache)."""
    wanted_account = account_id(account)
    wanted = parse_id(key_id, "KEY_ID", "a key id")

    async def work(session: Any) -> dict[str, Any]:
        from faktura.accounts import api_keys
        from faktura.core.tenant import Tenant

        key = await _key_of_account(session, wanted_account, wanted)
        revoked = await api_keys.revoke_api_key(
            session, Tenant(wanted_account, key.livemode), wanted
        )
        return key_out(revoked)

    revoked = run(lambda settings: in_transaction(settings, work))
    emit(revoked, as_json, f"Revoked key {revoked['id']} ({revoked['redacted']})")


@app.command("rotate")
def rotate(
    key_id: str = typer.Argument(..., help="The key to replace"),
    account: str = typer.Option(..., help="Account id"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Replace a key: a new one with the same mode, name, scopes and plan is printed (the only
    time it is shown) and the old one is revoked, in one transaction."""
    wanted_account = account_id(account)
    wanted = parse_id(key_id, "KEY_ID", "a key id")

    async def work(session: Any) -> dict[str, Any]:
        from faktura.accounts import api_keys
        from faktura.core.errors import InvalidState
        from faktura.core.tenant import Tenant

        old = await _key_of_account(session, wanted_account, wanted)
        if old.revoked_at is not None:
            raise InvalidState(f"Key {wanted} is revoked already: create a new one")
        issued = await api_keys.issue_api_key(
            session,
            account_id=wanted_account,
            livemode=old.livemode,
            name=old.name,
            scopes=list(old.scopes),
            plan=old.plan,
            description=old.description,
        )
        await api_keys.revoke_api_key(session, Tenant(wanted_account, old.livemode), wanted)
        return {**key_out(issued.key), "key": issued.secret, "replaces": str(wanted)}

    data = run(lambda settings: in_transaction(settings, work))
    emit(
        data,
        as_json,
        f"Key {data['replaces']} is revoked; its replacement {data['id']}: "
        f"[bold]{data['key']}[/bold]",
    )
