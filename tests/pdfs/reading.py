"""Reading PDFs back as a person or a program would: poppler's pdftotext and pdffonts, and
pdfplumber for where each word sits on its page."""

import io
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pdfplumber

# Bidi controls Babel puts around Hebrew currency amounts; they print as nothing.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)


def _run(tool: str, pdf: bytes, *args: str) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf)
        command = [tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])]
        done = subprocess.run(  # noqa: S603 (poppler's tools on a file the test wrote)
            command,
            capture_output=True,
            check=True,
            timeout=60,
        )
    return done.stdout.decode()


def text_lines(pdf: bytes) -> list[str]:
    """Each printed line (pdftotext -layout), its runs of spaces made one, bidi marks dropped."""
    text = _run("pdftotext", pdf, "-layout", "-enc", "UTF-8").translate(_INVISIBLE)
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def pages_text(pdf: bytes) -> list[str]:
    """The text of each page (pdftotext splits pages with a form feed)."""
    text = _run("pdftotext", pdf, "-enc", "UTF-8").translate(_INVISIBLE)
    return text.split("\f")[:-1]


@dataclass(frozen=True)
class Font:
    name: str
    embedded: bool
    subset: bool


def fonts(pdf: bytes) -> list[Font]:
    """Every font the PDF uses (pdffonts): its name, and whether it is embedded and subset."""
    rows = _run("pdffonts", pdf).splitlines()[2:]
    found = []
    for row in rows:
        name, *_, emb, sub, _uni, _obj, _gen = row.split()
        found.append(Font(name, emb == "yes", sub == "yes"))
    return found


@dataclass(frozen=True)
class Word:
    text: str
    top: float
    bottom: float


def words_by_page(pdf: bytes) -> list[list[Word]]:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [
            [Word(w["text"], w["top"], w["bottom"]) for w in page.extract_words()]
            for page in document.pages
        ]


def large_text(pdf: bytes, min_size: float = 40) -> str:
    """The characters printed at `min_size` points or more (a watermark), in drawing order."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        chars = [char for page in document.pages for char in page.chars]
        return "".join(char["text"] for char in chars if char["size"] >= min_size)
