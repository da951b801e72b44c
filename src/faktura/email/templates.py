"""Email templates: the system's for every stage and language, rendered in Jinja2's sandbox.

A template is three Jinja2 sources — subject, HTML body, optional text body — rendered with the
variables of `context.py`. Account templates run in the sandbox with strict variables: a name
that does not exist is an error, found when the template is saved (rendered against a sample
invoice), never first when a message goes out.

System templates are built here from one layout and a few sentences per stage, translated in
locales/<lang>.po (a translator adds a language as for the PDFs: copy messages.pot). Each is
an ordinary template: the API shows its source, and an account may copy and change it.
"""

import html
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from html.parser import HTMLParser
from pathlib import Path
from types import TracebackType
from typing import Any

from babel import Locale
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from faktura.pdfs.labels import Labels, labels_for, read_catalogs
from faktura.pdfs.render import RTL_LANGUAGES

LOCALES_DIR = Path(__file__).parent / "locales"
STAGES = (
    "initial_send",
    "reminder",
    "overdue",
    "receipt",
    "quote",
    "credit_note",
    "payment_link",
)
# The stage a send uses when it names no template, per document type.
STAGE_OF_TYPE = {
    "invoice": "initial_send",
    "quote": "quote",
    "credit_note": "credit_note",
    "receipt": "receipt",
}


def reminder_stage(offset_days: int) -> str:
    """The stage of a reminder step that names none: up to the due date a reminder, after it
    an overdue notice."""
    return "reminder" if offset_days <= 0 else "overdue"


_SYSTEM_NAMESPACE = uuid.UUID("6f1c5a52-6d1e-4d0b-9a43-4c3e0d5f7b10")
PARTS = ("subject", "html_body", "text_body")


@dataclass(frozen=True)
class TemplateSource:
    subject: str
    html_body: str
    text_body: str | None


@dataclass(frozen=True)
class Rendered:
    subject: str
    html_body: str
    text_body: str


@dataclass(frozen=True)
class SystemTemplate:
    id: uuid.UUID
    stage: str
    locale: str
    name: str
    source: TemplateSource


class TemplateProblem(Exception):
    """A template that does not compile or render: which part, which line, what."""

    def __init__(self, part: str, line: int | None, message: str):
        self.part = part
        self.line = line
        self.message = message
        where = f"line {line}: " if line is not None else ""
        self.detail = f"{where}{message}"
        super().__init__(f"{part}: {self.detail}")


# Rendering


class _Environment(ImmutableSandboxedEnvironment):
    """No access to unsafe attributes, no mutating the variables, no undefined names."""


_HTML = _Environment(autoescape=True, undefined=StrictUndefined)
_TEXT = _Environment(autoescape=False, undefined=StrictUndefined)


def _environment(part: str) -> _Environment:
    return _HTML if part == "html_body" else _TEXT


@lru_cache(maxsize=512)
def _compiled(part: str, source: str) -> Any:
    try:
        return _environment(part).from_string(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(part, exc.lineno, exc.message or str(exc)) from None


def _line_of(traceback: TracebackType | None) -> int | None:
    """The template line an error was raised at (Jinja rewrites tracebacks to name it)."""
    line = None
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == "<template>":
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


def _render_part(part: str, source: str, context: Mapping[str, Any]) -> str:
    template = _compiled(part, source)
    try:
        return str(template.render(context))
    except TemplateError as exc:
        raise TemplateProblem(part, _line_of(exc.__traceback__), str(exc)) from None
    except Exception as exc:  # a filter given the wrong type, a division by zero…
        raise TemplateProblem(
            part, _line_of(exc.__traceback__), f"{type(exc).__name__}: {exc}"
        ) from None


def render(source: TemplateSource, context: Mapping[str, Any]) -> Rendered:
    """Subject (one line), HTML and text; the text is made from the HTML when not given."""
    subject = " ".join(_render_part("subject", source.subject, context).split())
    html_body = _render_part("html_body", source.html_body, context)
    if source.text_body is None:
        text_body = text_of_html(html_body)
    else:
        text_body = _render_part("text_body", source.text_body, context)
    return Rendered(subject, html_body, text_body)


# HTML → text, for a template without a text body


class _TextOfHtml(HTMLParser):
    _BREAKS = frozenset({"p", "div", "tr", "h1", "h2", "h3", "h4", "li", "table", "br"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._href: str | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "head", "title"):
            self._skip += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "a":
            self._href = dict(attrs).get("href")
        elif tag in ("td", "th"):
            self.parts.append("  ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "head", "title"):
            self._skip = max(0, self._skip - 1)
        elif tag == "a" and self._href:
            self.parts.append(f" <{self._href}>")
            self._href = None
        elif tag in self._BREAKS:
            self.parts.append("\n\n" if tag in ("p", "div", "table") else "\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(re.sub(r"\s+", " ", data))


def text_of_html(markup: str) -> str:
    parser = _TextOfHtml()
    parser.feed(markup)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


# System templates


@dataclass(frozen=True)
class _Stage:
    subject: str
    sentences: tuple[str, ...]
    amount: str  # which amount the summary shows: total or amount_due

    @property
    def amount_label(self) -> str:
        return "Total" if self.amount == "total" else "Amount due"


# Placeholders in the sentences become these Jinja expressions (context.py's variables).
_VALUES = {
    "name": "{{ contact.name if contact else customer.name }}",
    "number": "{{ document.number }}",
    "seller": "{{ account.name }}",
    "total": "{{ total }}",
    "amount_due": "{{ amount_due }}",
    "due_date": "{{ due_date }}",
}
_STAGES = {
    "initial_send": _Stage(
        "Invoice {number} from {seller}",
        (
            "Please find attached invoice {number} for {total}, due on {due_date}.",
            "Thank you for your business.",
        ),
        "amount_due",
    ),
    "reminder": _Stage(
        "Reminder: invoice {number} is due on {due_date}",
        (
            "This is a friendly reminder that invoice {number} for {amount_due} is due on "
            "{due_date}.",
            "If you have already paid, please disregard this message.",
        ),
        "amount_due",
    ),
    "overdue": _Stage(
        "Invoice {number} is overdue",
        (
            "Invoice {number} was due on {due_date}, and {amount_due} remains unpaid.",
            "Please arrange payment at your earliest convenience.",
            "If you have already paid, please disregard this message.",
        ),
        "amount_due",
    ),
    "receipt": _Stage(
        "Receipt {number} from {seller}",
        ("Thank you for your payment. Please find attached receipt {number} for {total}.",),
        "total",
    ),
    "quote": _Stage(
        "Quote {number} from {seller}",
        (
            "Please find attached quote {number} for {total}.",
            "We look forward to hearing from you.",
        ),
        "total",
    ),
    "credit_note": _Stage(
        "Credit note {number} from {seller}",
        ("Please find attached credit note {number} for {total}.",),
        "total",
    ),
    "payment_link": _Stage(
        "Pay invoice {number} online",
        ("You can pay invoice {number} for {amount_due} online.",),
        "amount_due",
    ),
}
_STAGE_NAMES = {
    "initial_send": "Invoice",
    "reminder": "Reminder before the due date",
    "overdue": "Overdue reminder",
    "receipt": "Receipt",
    "quote": "Quote",
    "credit_note": "Credit note",
    "payment_link": "Payment link",
}


def _filled(labels: Labels) -> Callable[[str], str]:
    """A sentence in the labels' language, its placeholders the variables' Jinja expressions."""
    return lambda text: labels(text, **_VALUES)


def _html_source(stage: _Stage, say: Callable[[str], str], language: str, direction: str) -> str:
    amount_label = say(stage.amount_label)
    paragraphs = "\n".join(f"<p>{say(sentence)}</p>" for sentence in stage.sentences)
    cell = '<td style="padding: 2px 16px 2px 0; color: #57606a">'
    link = (
        '{% if payment_link_url %}<p><a href="{{ payment_link_url }}">'
        + html.escape(say("Pay now"))
        + "</a></p>{% endif %}"
    )
    return f"""<!doctype html>
<html lang="{language}" dir="{direction}">
<body style="font-family: 'Noto Sans', Arial, sans-serif; color: #1f2328; line-height: 1.5">
<p>{say("Hello {name},")}</p>
{paragraphs}
<table style="border-collapse: collapse; margin: 16px 0">
<tr>{cell}{say("Number")}</td><td>{{{{ document.number }}}}</td></tr>
<tr>{cell}{amount_label}</td><td>{{{{ {stage.amount} }}}}</td></tr>
{{% if document.due_date %}}<tr>{cell}{say("Due date")}</td><td>{{{{ due_date }}}}</td></tr>
{{% endif %}}
</table>
{link}
<p>{say("Kind regards,")}<br>{{{{ account.name }}}}</p>
</body>
</html>
"""


def _text_source(stage: _Stage, say: Callable[[str], str]) -> str:
    amount_label = say(stage.amount_label)
    paragraphs = "\n\n".join(say(sentence) for sentence in stage.sentences)
    return f"""{say("Hello {name},")}

{paragraphs}

{say("Number")}: {{{{ document.number }}}}
{amount_label}: {{{{ {stage.amount} }}}}
{{% if document.due_date %}}{say("Due date")}: {{{{ due_date }}}}
{{% endif %}}{{% if payment_link_url %}}
{say("Pay now")}: {{{{ payment_link_url }}}}
{{% endif %}}
{say("Kind regards,")}
{{{{ account.name }}}}
"""


def system_languages() -> list[str]:
    return sorted(read_catalogs(LOCALES_DIR))


def _system_id(stage: str, language: str) -> uuid.UUID:
    return uuid.uuid5(_SYSTEM_NAMESPACE, f"{stage}/{language}")


@cache
def system_templates() -> dict[uuid.UUID, SystemTemplate]:
    """Every system template, by id (stable: derived from stage and language)."""
    found = {}
    for language in system_languages():
        say = _filled(labels_for(Locale.parse(language), LOCALES_DIR))
        direction = "rtl" if language in RTL_LANGUAGES else "ltr"
        for name, stage in _STAGES.items():
            source = TemplateSource(
                subject=say(stage.subject),
                html_body=_html_source(stage, say, language, direction),
                text_body=_text_source(stage, say),
            )
            template_id = _system_id(name, language)
            found[template_id] = SystemTemplate(
                template_id, name, language, f"{_STAGE_NAMES[name]} ({language})", source
            )
    return found


def system_template(stage: str, language: str) -> SystemTemplate:
    """The system template of `stage` in `language`, English when there is none in it."""
    found = system_templates()
    chosen = _system_id(stage, language)
    return found.get(chosen) or found[_system_id(stage, "en")]


def language_of(locale: str) -> str:
    """The language of a BCP 47 tag ("he-IL" → "he"), whether or not Babel knows it."""
    return locale.split("-", 1)[0].lower()
