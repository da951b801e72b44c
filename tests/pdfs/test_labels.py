"""The label catalogs: every language translates every label the templates print."""

import re
from pathlib import Path

import pytest
from babel import Locale

from faktura.pdfs.labels import catalogs, labels_for, source_labels

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "faktura" / "pdfs" / "templates"


def test_the_template_prints_only_labels_of_the_catalog() -> None:
    template = (TEMPLATES / "document.html").read_text()
    used = set(re.findall(r'\bt\("([^"]+)"', template))
    # The document types' labels are looked up through a mapping in the template.
    used |= set(re.findall(r'"(Invoice|Quote|Credit note|Receipt)"', template))
    assert used <= set(source_labels())


@pytest.mark.parametrize("language", ["he", "el", "de", "fr"])
def test_every_language_translates_every_label(language: str) -> None:
    translated = catalogs()[language]
    assert set(translated) == set(source_labels())
    for label, text in translated.items():
        assert re.findall(r"\{\w+\}", text) == re.findall(r"\{\w+\}", label), label


def test_a_language_without_a_catalog_prints_english() -> None:
    labels = labels_for(Locale.parse("pt-BR", sep="-"))
    assert labels.language == "en"
    assert labels("Amount due") == "Amount due"
    assert labels_for(Locale.parse("he-IL", sep="-"))("Amount due") == "יתרה לתשלום"
