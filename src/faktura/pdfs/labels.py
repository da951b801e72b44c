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
def catalogs() -> dict[str, Mapping[str, str]]:
    """Language → {English label: translation}, read once from locales/*.po."""
    found: dict[str, Mapping[str, str]] = {SOURCE_LANGUAGE: {}}
    for path in sorted(LOCALES_DIR.glob("*.po")):
        with path.open("rb") as file:
            catalog = read_po(file)
        found[path.stem] = {
            str(message.id): str(message.string)
            for message in catalog
            if message.id and message.string
        }
    return found


def source_labels() -> list[str]:
    """Every label a document may print (locales/messages.pot)."""
    with (LOCALES_DIR / "messages.pot").open("rb") as file:
        return [str(message.id) for message in read_po(file) if message.id]


def labels_for(locale: Locale) -> Labels:
    language = locale.language if locale.language in catalogs() else SOURCE_LANGUAGE
    return Labels(language, catalogs()[language])
