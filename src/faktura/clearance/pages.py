"""ITA's OAuth2 callback: where the Israel Tax Authority returns the account owner after the
grant (no API key: the `state` of the grant under way is what names the account)."""

from html import escape

import httpx
from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from faktura.api.runtime import runtime_of
from faktura.clearance import service
from faktura.clearance.authorities import Unreachable

router = APIRouter(include_in_schema=False)

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Faktura</title></head><body><main><h1>{title}</h1><p>{text}</p></main></body></html>"""
_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def _page(status: int, title: str, text: str) -> HTMLResponse:
    body = _PAGE.format(title=escape(title), text=escape(text))
    return HTMLResponse(body, status_code=status, headers=_HEADERS)


@router.get(service.CALLBACK_PATH)
async def ita_callback(
    request: Request, state: str = "", code: str = "", error: str = ""
) -> HTMLResponse:
    if error or not code or not state:
        reason = error or "the answer carries no code"
        return _page(400, "Access was not granted", f"The Israel Tax Authority said: {reason}.")
    runtime = runtime_of(request)
    timeout = runtime.settings.clearance_timeout_seconds
    async with httpx.AsyncClient(follow_redirects=False, trust_env=False, timeout=timeout) as http:
        try:
            found = await service.finish_authorization(
                runtime.db, runtime.settings, http, state, code
            )
        except Unreachable as exc:
            return _page(502, "Access was not granted", f"{exc}. Start again from Faktura.")
    if not found:
        return _page(
            404,
            "No grant is under way",
            "This link was used already or replaced by a newer one. Start again from Faktura.",
        )
    return _page(
        200,
        "Access granted",
        "Faktura now requests allocation numbers from the Israel Tax Authority for this "
        "account. You can close this page.",
    )
