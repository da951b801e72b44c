"""`faktura export --account ID --out DIR`: an account's data, taken out as the API shows it.

Every list the API has is paged through in process, by a read-only key that lives for the export
only (deleted when it ends; its secret is never shown or kept), and written as JSON Lines, a file
per resource and mode (`live/invoices.jsonl`, `test/customers.jsonl`, …); the account and its
settings go to `account.json`. What a file holds is what `GET /v1/<resource>` lists, object for
object.
"""

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import typer

from faktura.cli.common import JSON_OPTION, account_id, emit, run, wire
from faktura.config import Settings
from faktura.core.jsoncodec import dumps, loads

# The lists of the API, by the file they go to. /v1/documents is left out: it lists the four
# document types again.
LISTS = (
    "customers",
    "contacts",
    "suppliers",
    "tags",
    "items",
    "invoices",
    "quotes",
    "credit_notes",
    "receipts",
    "payments",
    "disputes",
    "payment_plans",
    "payment_links",
    "messages",
    "email_templates",
    "email_suppressions",
    "webhook_endpoints",
    "api_keys",
    "events",
)
SETTINGS = (
    "account",
    "account/email_settings",
    "account/reminders",
    "account/payment_providers",
    "account/clearance",
)


async def _export(settings: Settings, account: uuid.UUID, out: Path) -> dict[str, Any]:
    from faktura.accounts import api_keys
    from faktura.accounts.scopes import RESOURCES
    from faktura.accounts.service import get_account
    from faktura.app import create_app

    wire()
    app = create_app(settings)
    db = app.state.runtime.db
    # Every read scope, and keys:write, which listing keys takes; the key never leaves this
    # process and is deleted when the export ends.
    scopes = [f"{resource}:read" for resource in RESOURCES] + ["keys:write"]
    keys: dict[bool, tuple[uuid.UUID, str]] = {}
    async with db.transaction() as session:
        await get_account(session, account)
        for livemode in (True, False):
            issued = await api_keys.issue_api_key(
                session,
                account_id=account,
                livemode=livemode,
                name="faktura export (deleted when it ends)",
                scopes=scopes,
                plan="unlimited",
            )
            keys[livemode] = (issued.key.id, issued.secret)
    counts: dict[str, dict[str, int]] = {}
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://export") as http:
            for livemode, (_, secret) in keys.items():
                mode = "live" if livemode else "test"
                headers = {"Authorization": f"Bearer {secret}"}
                folder = out / mode
                folder.mkdir(parents=True, exist_ok=True)
                counts[mode] = {}
                own = {str(key_id) for key_id, _ in keys.values()}  # not the account's data
                for name in LISTS:
                    counts[mode][name] = await _write_list(
                        http, headers, name, folder / f"{name}.jsonl", own
                    )
                settings_of_mode = {}
                for path in SETTINGS:
                    answer = await http.get(f"/v1/{path}", headers=headers)
                    settings_of_mode[path] = answer.json() if answer.status_code == 200 else None
                (folder / "account.json").write_text(
                    json.dumps(settings_of_mode, indent=2, ensure_ascii=False)
                )
    finally:
        from sqlalchemy import delete

        from faktura.accounts.models import ApiKey

        async with db.transaction() as session:
            ids = [key_id for key_id, _ in keys.values()]
            await session.execute(delete(ApiKey).where(ApiKey.id.in_(ids)))
        await db.dispose()
    return {"account_id": str(account), "out": str(out), "counts": counts}


async def _write_list(
    http: httpx.AsyncClient, headers: dict[str, str], name: str, path: Path, skip: set[str]
) -> int:
    """Every object of one list, oldest page first, as one JSON line each (the API's JSON,
    exact amounts as written)."""
    written = 0
    after: str | None = None
    with path.open("w", encoding="utf-8") as out:
        while True:
            params = {"per_page": "100", **({"starting_after": after} if after else {})}
            answer = await http.get(f"/v1/{name}", params=params, headers=headers)
            if answer.status_code != 200:
                raise RuntimeError(f"GET /v1/{name} answered {answer.status_code}: {answer.text}")
            body = loads(answer.content)
            for item in body["data"]:
                if item.get("id") in skip:
                    continue
                out.write(dumps(item).decode() + "\n")
                written += 1
            if not body.get("has_more") or not body["data"]:
                return written
            after = body["data"][-1]["id"]


def export(
    account: str = typer.Option(..., help="Account id"),
    out: Path = typer.Option(..., help="Directory to write to (made if missing)"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Take an account's data out: every object the API lists, both modes, as JSON Lines."""
    wanted = account_id(account)
    data = run(lambda settings: _export(settings, wanted, out))
    total = sum(sum(mode.values()) for mode in data["counts"].values())
    emit(data, as_json, f"Exported {total} objects of account {wanted} to {out}.")
