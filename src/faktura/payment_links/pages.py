"""The hosted payment page, `/pay/{token}`: no login, server-rendered, in the invoice's
language, showing that one invoice and nothing else.

Every answer carries a strict Content-Security-Policy (no script, styles and images from this
server only, forms posted back here only, never framed) and no-referrer, so the token in the
address is not handed to another site. Requests per link and address are rate limited.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from babel import Locale
from fastapi import APIRouter, Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import FileResponse, HTMLResponse, Response

from faktura.api.runtime import runtime_of
from faktura.core.errors import InvalidState, NotFound, RateLimited
from faktura.core.money import quantize_money
from faktura.core.tenant import Tenant
from faktura.payment_links import service
from faktura.payment_links.providers import BadNotification, Provider
from faktura.payment_links.providers.registry import PROVIDER_FORMS, TEST, test_provider
from faktura.pdfs import service as pdfs_service
from faktura.pdfs.labels import labels_for
from faktura.pdfs.printable import DEFAULT_COLOR, first_locale
from faktura.pdfs.render import RTL_LANGUAGES, formatters
from faktura.pdfs.routes import store_of

PACKAGE = Path(__file__).parent
LOCALES = PACKAGE / "locales"
STYLESHEET = PACKAGE / "static" / "pay.css"
# The page's form posts urlencoded fields, and a provider may notify in them: the bodies
# outside /v1 that need not be JSON.
FORM_PATHS = r"^(/pay/[A-Za-z0-9_-]+|/providers/.+)$"

router = APIRouter(include_in_schema=False)
_templates = Environment(
    loader=FileSystemLoader(PACKAGE / "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)

# Answers per state of the link: a page that cannot take a payment says why.
_STATUS = {
    "expired": 410,
    "deactivated": 410,
    "not_found": 404,
    "rate_limited": 429,
    "unavailable": 409,
}


def _security_headers(provider_sources: Mapping[str, str] | None = None) -> dict[str, str]:
    directives = {
        "default-src": "'none'",
        "style-src": "'self'",
        "img-src": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
        "base-uri": "'none'",
    }
    for name, sources in (provider_sources or {}).items():
        directives[name] = f"{directives.get(name, '')} {sources}".strip()
    return {
        "Content-Security-Policy": "; ".join(f"{k} {v}" for k, v in directives.items()),
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-store",
    }


def _page(
    context: dict[str, Any],
    locale: Locale,
    status: int = 200,
    provider_sources: Mapping[str, str] | None = None,
) -> HTMLResponse:
    labels = labels_for(locale, LOCALES)
    html = _templates.get_template("page.html").render(
        **context,
        t=labels,
        language=labels.language if labels.language != "en" else locale.language,
        direction="rtl" if locale.language in RTL_LANGUAGES else "ltr",
    )
    return HTMLResponse(html, status_code=status, headers=_security_headers(provider_sources))


def _bare(state: str, retry_after: int | None = None) -> HTMLResponse:
    """A page about no link (unknown token, too many requests): nothing of any account."""
    locale = Locale("en")
    labels = labels_for(locale, LOCALES)
    context = {"state": state, "title": labels("Payment"), "seller": "", "test_mode": False}
    response = _page(context, locale, _STATUS[state])
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _context(view: service.PayView, state: str, locale: Locale, **extra: Any) -> dict[str, Any]:
    link, document, account = view.link, view.document, view.account
    show = formatters(locale, link.currency)
    labels = labels_for(locale, LOCALES)
    shown_amount = view.payable if view.payable > 0 else link.amount
    per_installment = {
        n: show["money"](quantize_money(shown_amount / n, link.currency))
        for n in range(1, link.installments + 1)
    }
    branding = account.branding or {}
    return {
        "state": state,
        "title": labels("Pay invoice {number}", number=document.number or ""),
        "base": f"/pay/{link.token}",
        "seller": account.legal_name or account.name,
        "has_logo": branding.get("logo") is not None,
        "theme": bool(branding.get("color")),
        "number": document.number or "",
        "customer": view.document.customer_name or view.customer.company_name,
        "amount": show["money"](shown_amount),
        "due_date": show["date"](document.due_date.isoformat()) if document.due_date else "",
        "show_pdf": state in ("pay", "paid", "pending", "completed", "nothing_due"),
        "max_installments": link.installments,
        "installments": extra.pop("installments", 1),
        "installment_amounts": per_installment,
        "provider_template": PROVIDER_FORMS[link.provider],
        "test_mode": not link.livemode,
        **extra,
    }


def _locale(view: service.PayView) -> Locale:
    return first_locale(view.document.locale, view.customer.locale, view.account.locale)


def _state(view: service.PayView) -> str:
    if view.status != "active":
        return view.status
    return "pay" if view.payable > 0 else "nothing_due"


async def _limited(request: Request, token: str) -> Response | None:
    runtime = runtime_of(request)
    address = request.client.host if request.client else "unknown"
    try:
        await runtime.limiter.hit_minute(
            "pay_page", f"{token}:{address}", runtime.settings.pay_page_rate_limit_per_minute
        )
    except RateLimited as exc:
        return _bare("rate_limited", exc.retry_after)
    return None


@router.get("/pay/assets/stripe-pay.js")
async def stripe_script() -> Response:
    return FileResponse(
        PACKAGE / "static" / "stripe-pay.js",
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/pay/assets/pay.css")
async def stylesheet() -> Response:
    return FileResponse(
        STYLESHEET,
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/pay/{token}")
async def pay_page(request: Request, token: str) -> Response:
    if (refused := await _limited(request, token)) is not None:
        return refused
    runtime = runtime_of(request)
    async with runtime.db.transaction(writes=False) as session:
        try:
            view = await service.pay_view(session, token)
        except NotFound:
            return _bare("not_found")
        locale = _locale(view)
        state = _state(view)
        return _page(_context(view, state, locale), locale, _STATUS.get(state, 200))


def _form_fields(body: bytes) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(body.decode("utf-8", "replace")).items()}


def _answer(result: service.PayResult, installments: int) -> Response:
    """The page after a payment was asked for, or after the payer came back from the
    provider's step."""
    view = result.view
    locale = _locale(view)
    labels = labels_for(locale, LOCALES)
    attempt = result.attempt
    if attempt is None and result.error is None:  # nothing to pay any more
        state = _state(view)
        return _page(_context(view, state, locale), locale, _STATUS.get(state, 200))
    if attempt is not None and attempt.status == "succeeded":
        context = _context(view, "paid", locale, paid_installments=attempt.installments)
        return _page(context, locale)
    if attempt is not None and attempt.status == "pending" and result.provider is not None:
        provider = result.provider
        if not provider.answers_at_once and "client_secret" in attempt.provider_data:
            # The provider's own step: the card goes to the provider, never through Faktura.
            context = _context(
                view,
                "confirm",
                locale,
                installments=attempt.installments,
                confirm={
                    "script": getattr(provider, "js_url", ""),
                    "key": getattr(provider, "publishable_key", "") or "",
                    "secret": attempt.provider_data["client_secret"],
                    "back": f"/pay/{view.link.token}/return/{attempt.provider_payment_id}",
                },
            )
            return _page(context, locale, 200, provider.content_security)
        return _page(_context(view, "pending", locale), locale, 202)
    message = labels(result.error or "", **(result.error_values or {}))
    context = _context(view, "pay", locale, error=message, installments=installments)
    return _page(context, locale, 402)


@router.post("/pay/{token}")
async def pay(request: Request, token: str) -> Response:
    if (refused := await _limited(request, token)) is not None:
        return refused
    runtime = runtime_of(request)
    fields = _form_fields(await request.body())
    try:
        installments = int(fields.pop("installments", "1"))
    except ValueError:
        installments = 0
    try:
        result = await service.pay(runtime.db, runtime.settings, token, installments, fields)
    except NotFound:
        return _bare("not_found")
    except InvalidState:  # the link's provider is gone, or serves the other mode
        return _bare("unavailable")
    return _answer(result, installments)


@router.get("/pay/{token}/return/{provider_payment_id}")
async def payment_returned(request: Request, token: str, provider_payment_id: str) -> Response:
    """Where the provider's step sends the payer back."""
    if (refused := await _limited(request, token)) is not None:
        return refused
    runtime = runtime_of(request)
    try:
        result = await service.payment_returned(
            runtime.db, runtime.settings, token, provider_payment_id
        )
    except NotFound:
        return _bare("not_found")
    except InvalidState:
        return _bare("unavailable")
    assert result.attempt is not None
    return _answer(result, result.attempt.installments)


@router.get("/pay/{token}/invoice.pdf")
async def invoice_pdf(request: Request, token: str) -> Response:
    if (refused := await _limited(request, token)) is not None:
        return refused
    runtime = runtime_of(request)
    async with runtime.db.transaction() as session:
        try:
            view = await service.pay_view(session, token)
        except NotFound:
            return _bare("not_found")
        if view.status in ("expired", "deactivated"):
            return Response(status_code=410, headers=_security_headers())
        pdf = await pdfs_service.pdf_of(
            session, view.tenant, store_of(request), "invoice", view.document.id
        )
    assert pdf is not None
    headers = _security_headers()
    headers["Content-Disposition"] = f'inline; filename="{pdf.filename}"'
    return Response(pdf.data, media_type="application/pdf", headers=headers)


@router.get("/pay/{token}/logo")
async def logo(request: Request, token: str) -> Response:
    runtime = runtime_of(request)
    async with runtime.db.transaction(writes=False) as session:
        try:
            view = await service.pay_view(session, token)
        except NotFound:
            return _bare("not_found")
    stored = (view.account.branding or {}).get("logo")
    if stored is None:
        return Response(status_code=404, headers=_security_headers())
    data = await store_of(request).get(stored["key"])
    headers = {**_security_headers(), "Cache-Control": "private, max-age=3600"}
    return Response(data, media_type=stored["content_type"], headers=headers)


@router.get("/pay/{token}/theme.css")
async def theme(request: Request, token: str) -> Response:
    """The account's accent colour as a stylesheet: the CSP allows no inline style."""
    runtime = runtime_of(request)
    async with runtime.db.transaction(writes=False) as session:
        try:
            view = await service.pay_view(session, token)
        except NotFound:
            return _bare("not_found")
    color = (view.account.branding or {}).get("color") or DEFAULT_COLOR
    css = f":root {{ --accent: {color}; }}\n"
    return Response(css, media_type="text/css", headers=_security_headers())


# Provider notifications


@router.post("/providers/test/notifications")
async def test_notification(request: Request) -> Response:
    """The built-in test provider's notifications (signed with the installation's key)."""
    runtime = runtime_of(request)
    return await _notified(request, TEST, test_provider(runtime.settings))


@router.post("/providers/{provider}/notifications/{provider_account_id}")
async def provider_notification(
    request: Request, provider: str, provider_account_id: str
) -> Response:
    """A provider's notification about one of its payments, at the URL of the account's
    credentials (which verify it): `/providers/stripe/notifications/<id>` is what an account
    gives Stripe as its webhook endpoint."""
    runtime = runtime_of(request)
    async with runtime.db.transaction(writes=False) as session:
        found = await service.provider_by_account_id(
            session, runtime.settings, provider, provider_account_id
        )
    if found is None:
        return Response("unknown provider account", status_code=404, media_type="text/plain")
    adapter, tenant = found
    return await _notified(request, provider, adapter, tenant)


async def _notified(
    request: Request, provider: str, adapter: Provider, tenant: Tenant | None = None
) -> Response:
    """Verify and apply one notification; a repeat answers 200 and changes nothing. 400 when
    it does not verify; 409 when it names a payment not known yet, so the provider retries."""
    runtime = runtime_of(request)
    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    try:
        notification = adapter.parse_notification(headers, body)
    except BadNotification as exc:
        return Response(f"refused: {exc}", status_code=400, media_type="text/plain")
    if notification is None:
        return Response("ignored", media_type="text/plain")
    try:
        async with runtime.db.transaction() as session:
            applied = await service.apply_notification(
                session, runtime.settings, provider, notification, tenant=tenant
            )
    except service.UnknownProviderPayment as exc:  # rolled back: the retry is applied
        return Response(exc.message, status_code=409, media_type="text/plain")
    answer = "duplicate" if applied is None else applied.status
    return Response(answer, media_type="text/plain")
