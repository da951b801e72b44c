"""HTML and CSS templates (templates/) rendered to PDF by WeasyPrint.

- Nothing is fetched from the network: the only URLs a template can name are the project's
  fonts and the account's stored logo (`faktura:` URLs, served by `_assets_class`), and every user
  string is escaped by Jinja (autoescape), so a description full of `<img src=…>` prints as text.
- The same input gives the same bytes: the fonts are the project's own (fonts/), embedded and
  subset; the PDF carries no creation time; its identifier is derived from its content.
- One render at a time per process: WeasyPrint's font machinery (fontconfig, Pango) is shared
  state. The server and workers render in a renderer process of their own
  (`render_pdf_async`), so their event loop keeps serving while a PDF is made.
"""

import asyncio
import atexit
import gc
import hashlib
import multiprocessing
import os
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import jinja2
import segno
from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent
from markupsafe import Markup

from faktura.pdfs.engine_fixes import rtl_lines_once_applied
from faktura.pdfs.labels import labels_for
from faktura.pdfs.printable import Logo, Printable

PACKAGE_DIR = Path(__file__).parent
FONTS_DIR = PACKAGE_DIR / "fonts"
SCHEME = "faktura:"
LOGO_URL = f"{SCHEME}logo"
# PDF/A-3b: the archival profile, and the one that can carry the e-invoice XML (Factur-X).
PDF_VARIANT = "pdf/a-3b"
RTL_LANGUAGES = frozenset({"he", "ar", "fa", "ur", "yi"})

# fontTools stamps the fonts it subsets with the time, unless this is set (the reproducible-
# builds convention): a fixed instant, so the same document gives the same bytes.
os.environ.setdefault("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(PACKAGE_DIR / "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
_render_lock = threading.Lock()


class RenderFailed(Exception):
    """The renderer could not make a PDF of the document."""


@cache
def _assets_class() -> type:
    """The URL fetcher class, made on first use: WeasyPrint takes two seconds to import, which
    every CLI command and worker start would otherwise pay."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class Assets(URLFetcher):  # type: ignore[misc]
        """Serves the project's fonts and the account's logo; refuses every other URL."""

        def __init__(self, logo: Logo | None) -> None:
            super().__init__(allowed_protocols=("faktura",), fail_on_errors=True)
            self._logo = logo

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url == LOGO_URL and self._logo is not None:
                headers = {"Content-Type": self._logo.content_type}
                return URLFetcherResponse(url, self._logo.data, headers)
            name = url.removeprefix(f"{SCHEME}fonts/")
            path = FONTS_DIR / name
            if url.startswith(f"{SCHEME}fonts/") and "/" not in name and path.is_file():
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": "font/ttf"})
            raise ValueError(f"the renderer fetches nothing but its own assets: {url}")

    return Assets


def _direction(fallback: str) -> Callable[[str | None], str]:
    """The direction of a user's text, from its first strong character (the Unicode bidi
    algorithm's rule for `dir=auto`, which the renderer lacks): a Latin note on a Hebrew
    invoice reads left to right, a Hebrew name on an English one right to left."""

    def direction(text: str | None) -> str:
        for char in text or "":
            kind = unicodedata.bidirectional(char)
            if kind == "L":
                return "ltr"
            if kind in ("R", "AL"):
                return "rtl"
        return fallback

    return direction


def formatters(locale: Locale, currency: str) -> dict[str, Callable[..., Any]]:
    """Money, numbers, percentages, dates and countries in `locale` (Babel): the PDFs' and
    the emails'."""

    def money(value: Any) -> str:
        return format_currency(Decimal(value), currency, locale=locale, decimal_quantization=False)

    def number(value: Any) -> str:
        return format_decimal(Decimal(value), locale=locale, decimal_quantization=False)

    def percent(value: Any) -> str:
        return format_percent(Decimal(value) / 100, locale=locale, decimal_quantization=False)

    def day(value: str | None) -> str:
        return "" if value is None else format_date(date.fromisoformat(value), "long", locale)

    def nonzero(value: Any) -> bool:
        return Decimal(value) != 0

    def country(code: str | None) -> str:
        return "" if not code else locale.territories.get(code, code)

    return {
        "money": money,
        "number": number,
        "percent": percent,
        "date": day,
        "country": country,
        "nonzero": nonzero,
    }


def html_of(printable: Printable) -> str:
    """The document as the HTML the PDF is made from."""
    locale = printable.locale
    document = printable.document
    labels = labels_for(locale)
    context = {
        "t": labels,
        "lang": labels.language,
        "rtl": locale.language in RTL_LANGUAGES,
        "document": document,
        "account": printable.account,
        "customer": printable.customer or {},
        "related_number": printable.related_number,
        "payment": printable.payment,
        "dir_of": _direction("rtl" if locale.language in RTL_LANGUAGES else "ltr"),
        "logo_url": LOGO_URL if printable.logo is not None else None,
        "layout": printable.layout,
        "color": printable.color,
        "footer": printable.branding.get("footer"),
        "biller": printable.option("billers", document.get("biller_id")),
        "payment_method": printable.option("payment_methods", document.get("payment_method_id")),
        "clearance": _clearance_view(document.get("clearance")),
        **formatters(locale, document["currency"]),
    }
    return _environment.get_template("document.html").render(context)


def _clearance_view(clearance: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The tax authority's reference of a cleared document, and the QR code of its URL (an
    SVG drawn in the page: the renderer fetches nothing)."""
    if not clearance or clearance.get("status") not in ("cleared", "cancelled"):
        return None
    if not clearance.get("reference"):
        return None
    if clearance.get("provider") == "il_ita":
        # Israel: the allocation number's last nine digits are what the invoice must show.
        return {"provider": "il_ita", "reference": clearance["reference"][-9:], "qr": None}
    url = clearance.get("qr_url")
    qr = segno.make(url, error="m").svg_inline(border=0) if url else None
    # segno's SVG holds only the code's modules: the URL is encoded, never written as text.
    svg = Markup(qr) if qr else None  # noqa: S704
    return {"provider": "mydata", "reference": clearance["reference"], "qr": svg}


def css_of(layout: str, color: str, rtl: bool) -> str:
    """The stylesheet of a branding: its layout, accent colour and direction."""
    context = {"layout": layout, "color": color, "rtl": rtl}
    return _environment.get_template("document.css").render(context)


# Rules of WeasyPrint's user-agent stylesheet for pseudo-elements a Faktura document never has
# (list markers, footnotes, notes). Their selectors match every element, so each element got six
# pseudo-element styles computed and thrown away: a tenth of a render.
_UNUSED_UA_RULES = re.compile(
    r"^::(?:marker|footnote-call|footnote-marker|note-call|note-marker|note-callback) \{[^}]*\}\n",
    re.MULTILINE,
)


@cache
def _document_class() -> type:
    """WeasyPrint's HTML, with its user-agent stylesheet less the rules above, made from the
    tree `html_tree` reads when it can (WeasyPrint parses the HTML itself otherwise); and the
    engine with the fix of engine_fixes."""
    import cssselect2  # type: ignore[import-untyped]
    from weasyprint import CSS, HTML
    from weasyprint.css.counters import CounterStyle
    from weasyprint.html import UA

    rtl_lines_once_applied()
    # The counter styles of the stylesheet are WeasyPrint's own already (UA_COUNTER_STYLE).
    stylesheet = CSS(string=_UNUSED_UA_RULES.sub("", UA), counter_style=CounterStyle())

    class TrimmedHTML(HTML):  # type: ignore[misc]
        def __init__(self, html: str, url_fetcher: Any) -> None:
            tree = html_tree(html)
            if tree is None:
                super().__init__(string=html, base_url=SCHEME, url_fetcher=url_fetcher)
                return
            # What HTML.__init__ sets from the tree it parses (the template has no <base>).
            self.base_url = SCHEME
            self.url_fetcher = url_fetcher
            self.media_type = "print"
            self.wrapper_element = cssselect2.ElementWrapper.from_html_root(
                tree, content_language=None
            )
            self.etree_element = self.wrapper_element.etree_element

        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [stylesheet]

    return TrimmedHTML


_SVG = "{http://www.w3.org/2000/svg}"
# An attribute value holding a tab or a line break: an XML parser would turn it into a space.
_ATTRIBUTE_WHITESPACE = re.compile(r'="[^"]*[\t\n\r][^"]*"')


def html_tree(html: str) -> ElementTree.Element | None:
    """The element tree an HTML5 parser (WeasyPrint's, tinyhtml5) makes of the template's
    output, read by expat instead: tinyhtml5 is pure Python and took a tenth of a render.

    The template is written so that it is also well-formed XML; what HTML's tree construction
    does differently with it is done here: the whitespace around <head> and after </body>, the
    <tbody> around a table's rows, the SVG namespace of the QR code. None when the text is not
    XML (a control character a user typed, a line break in an attribute): WeasyPrint parses
    it then. tests/pdfs/test_html_tree.py holds the two trees equal."""
    if _ATTRIBUTE_WHITESPACE.search(html):
        return None
    try:
        # No entity a user wrote reaches expat: Jinja escaped every & and < of theirs.
        root = ElementTree.fromstring(html)  # noqa: S314
    except ElementTree.ParseError:
        return None
    if root.tag != "html" or [child.tag for child in root] != ["head", "body"]:
        return None
    body = root[1]
    # Whitespace before <head> is dropped; after </body> and </html> it goes into the body.
    root.text = None
    trailing = (body.tail or "") + html[html.rindex("</html>") + len("</html>") :]
    body.tail = None
    last = body[-1] if len(body) else None
    if last is not None:
        last.tail = (last.tail or "") + trailing
    else:
        body.text = (body.text or "") + trailing
    for element in list(body.iter()):
        if element.tag == "table" and len(element) and element[0].tag == "tr":
            if any(child.tag != "tr" for child in element):
                return None
            rows = list(element)
            for row in rows:
                element.remove(row)
            ElementTree.SubElement(element, "tbody").extend(rows)
        elif element.tag == "svg":
            for drawn in element.iter():
                drawn.tag = _SVG + drawn.tag
    return root


@cache
def _font_config() -> Any:
    """The fonts of @font-face, loaded once per process and shared by every render (under
    `_render_lock`)."""
    from weasyprint.text.fonts import FontConfiguration

    atexit.register(_let_go_of_fonts)
    return FontConfiguration()


def _let_go_of_fonts() -> None:
    """At exit, while the modules it needs still stand: the font configuration (and the
    stylesheets that hold it) let go of, so that it removes its temporary folder. Left to the
    interpreter's teardown, its `__del__` found `rmtree` already gone and printed an error."""
    _stylesheet.cache_clear()
    _font_config.cache_clear()
    gc.collect()


@lru_cache(maxsize=64)
def _stylesheet(layout: str, color: str, rtl: bool) -> tuple[Any, str]:
    """The parsed stylesheet of a branding, kept: parsing it took a fifth of a render."""
    from weasyprint import CSS

    text = css_of(layout, color, rtl)
    parsed = CSS(
        string=text, base_url=SCHEME, url_fetcher=_assets_class()(None), font_config=_font_config()
    )
    return parsed, text


@cache
def _freeze_what_stays() -> None:
    """Once, after the first render: what a process keeps from then on (WeasyPrint and its
    fonts, stylesheets and templates, Babel's data: some 150,000 objects) is left out of the
    garbage collector's passes. Every full pass walked through all of it: a tenth of a warm
    render went to the collector, a fiftieth now. At exit they are handed back, so that the
    process ends as before (WeasyPrint's font configuration removes its temporary folder)."""
    gc.collect()
    gc.freeze()
    atexit.register(gc.unfreeze)


def render_pdf(printable: Printable) -> bytes:
    """The PDF of `printable`: the same bytes for the same input, on any machine."""
    html = html_of(printable)
    try:
        with _render_lock:
            rtl = printable.locale.language in RTL_LANGUAGES
            stylesheet, css = _stylesheet(printable.layout, printable.color, rtl)
            identifier = hashlib.sha256(f"{css}\n{html}".encode()).digest()[:16]
            fetcher = _assets_class()(printable.logo)
            document = _document_class()(html, fetcher)
            pdf = document.write_pdf(
                stylesheets=[stylesheet],
                font_config=_font_config(),
                pdf_variant=PDF_VARIANT,
                pdf_identifier=identifier,
            )
            _freeze_what_stays()
    except Exception as exc:  # WeasyPrint raises many kinds; the caller needs one
        raise RenderFailed(f"{type(exc).__name__}: {exc}") from exc
    if not pdf:
        raise RenderFailed("the renderer produced no bytes")
    return bytes(pdf)


_pool: ProcessPoolExecutor | None = None


def _exit_with_parent(parent: int) -> None:
    """In the renderer: end when the process it renders for is gone, even killed (SIGKILL
    leaves the renderer waiting on its queue for ever otherwise)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _renderer() -> ProcessPoolExecutor:
    """A process of its own renders for this process: rendering is Python work that would hold
    the interpreter's lock for a fifth of a second at a time, and the server's event loop would
    wait for it. Started on the first render (spawned: forking a running event loop is unsafe)."""
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_exit_with_parent,
            initargs=(os.getpid(),),
        )
    return _pool


async def render_pdf_async(printable: Printable) -> bytes:
    """`render_pdf` in the renderer process; a renderer that died is replaced."""
    global _pool
    try:
        return await asyncio.get_running_loop().run_in_executor(_renderer(), render_pdf, printable)
    except BrokenProcessPool as exc:
        _pool = None
        raise RenderFailed("the renderer process stopped") from exc
