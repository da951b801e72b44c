"""The words of printed documents in each language that has a catalog (locales/<lang>.po).

English is the source: a label missing from a catalog, or a language without one, prints in
English. A translator adds a language by copying locales/messages.pot to <lang>.po and filling
in every msgstr; nothing else changes.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).parent / "locales"
SOURCE_LANGUAGE = "en"


@dataclass(frozen=True)
class Labels:
    language: str
    messages: Mapping[str, str]

    def __call__(self, text: str, **values: str) -> str:
        """`text` in this language, its `{placeholders}` filled from `values`."""
        translated = self.messages.get(text) or text
        return translated.format(**values) if values else translated


@cache
def read_catalogs(directory: Path) -> dict[str, Mapping[str, str]]:
    """Language → {English text: translation}, read once from `directory`/*.po (the PDFs'
    labels here, the system email templates' sentences in email/locales)."""
    found: dict[str, Mapping[str, str]] = {SOURCE_LANGUAGE: {}}
    for path in sorted(directory.glob("*.po")):
        with path.open("rb") as file:
            catalog = read_po(file)
        found[path.stem] = {
            str(message.id): str(message.string)
            for message in catalog
            if message.id and message.string
        }
    return found


def catalogs() -> dict[str, Mapping[str, str]]:
    return read_catalogs(LOCALES_DIR)


def source_labels(directory: Path = LOCALES_DIR) -> list[str]:
    """Every label a document may print (locales/messages.pot), or the texts of `directory`."""
    with (directory / "messages.pot").open("rb") as file:
        return [str(message.id) for message in read_po(file) if message.id]


def labels_for(locale: Locale, directory: Path = LOCALES_DIR) -> Labels:
    found = read_catalogs(directory)
    language = locale.language if locale.language in found else SOURCE_LANGUAGE
    return Labels(language, found[language])
