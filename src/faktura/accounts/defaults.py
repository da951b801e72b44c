"""What a new account starts with, by its country or currency."""

from typing import Any

DOCUMENT_TYPES = ("invoice", "quote", "credit_note", "receipt")
DEFAULT_PREFIXES = {"invoice": "INV", "quote": "QUO", "credit_note": "CRN", "receipt": "RCT"}
DEFAULT_PADDING = 4

# Standard VAT rates (percent) and their EN 16931 / UNCL 5305 categories.
_VAT_RATES: dict[str, list[tuple[str, str, str]]] = {
    "IL": [("Standard", "18", "S"), ("Zero rated", "0", "Z"), ("Exempt", "0", "E")],
    "GR": [
        ("Standard", "24", "S"),
        ("Reduced", "13", "S"),
        ("Super-reduced", "6", "S"),
        ("Exempt", "0", "E"),
    ],
    "DE": [("Standard", "19", "S"), ("Reduced", "7", "S"), ("Exempt", "0", "E")],
    "FR": [
        ("Standard", "20", "S"),
        ("Intermediate", "10", "S"),
        ("Reduced", "5.5", "S"),
        ("Exempt", "0", "E"),
    ],
    "GB": [("Standard", "20", "S"), ("Reduced", "5", "S"), ("Zero rated", "0", "Z")],
}
_COUNTRY_OF_CURRENCY = {"ILS": "IL", "GBP": "GB"}
_LOCALE_OF_COUNTRY = {"IL": "he-IL", "GR": "el-GR", "DE": "de-DE", "FR": "fr-FR", "GB": "en-GB"}
_TIMEZONE_OF_COUNTRY = {
    "IL": "Asia/Jerusalem",
    "GR": "Europe/Athens",
    "DE": "Europe/Berlin",
    "FR": "Europe/Paris",
    "GB": "Europe/London",
}


def default_numbering() -> dict[str, Any]:
    return {
        doc_type: {"prefix": prefix, "padding": DEFAULT_PADDING, "yearly_reset": True}
        for doc_type, prefix in DEFAULT_PREFIXES.items()
    }


def country_for(country: str | None, currency: str) -> str | None:
    return country or _COUNTRY_OF_CURRENCY.get(currency)


def default_vat_rates(country: str | None) -> list[tuple[str, str, str]]:
    return list(_VAT_RATES.get(country or "", []))


def default_locale(country: str | None) -> str:
    return _LOCALE_OF_COUNTRY.get(country or "", "en-US")


def default_timezone(country: str | None) -> str:
    return _TIMEZONE_OF_COUNTRY.get(country or "", "UTC")
