"""What a printed document shows, gathered from the API's own JSON of the document, its
account and its customer: the PDF prints the same figures and words the API answers."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from babel import Locale, UnknownLocaleError

from faktura.accounts.schemas import Layout
from faktura.core.types import values_of

LAYOUTS: tuple[str, ...] = values_of(Layout)
DEFAULT_LAYOUT = "classic"
DEFAULT_COLOR = "#1f4e79"


def first_locale(*tags: str | None) -> Locale:
    """The first of `tags` that parses (document → customer → account); en when none does."""
    for tag in tags:
        if tag:
            try:
                return Locale.parse(tag, sep="-")
            except (ValueError, UnknownLocaleError):
                continue
    return Locale("en")


@dataclass(frozen=True)
class Logo:
    """An account's logo as stored: PNG or JPEG bytes."""

    data: bytes
    content_type: str


@dataclass(frozen=True)
class Printable:
    """Everything one PDF is made from. `document`, `account` and `customer` are the JSON the
    API shows for them (`document_out`, the account and customer schemas, as dicts)."""

    document: Mapping[str, Any]
    account: Mapping[str, Any]
    customer: Mapping[str, Any] | None = None
    # The number of the invoice a credit note reduces.
    related_number: str | None = None
    # The payment a receipt is for: reference, method, date, amount (as the API shows them).
    payment: Mapping[str, Any] | None = None
    logo: Logo | None = None

    @property
    def locale(self) -> Locale:
        """The document's locale, else its customer's, else its account's; en when none parses."""
        sources = (self.document, self.customer or {}, self.account)
        return first_locale(*(source.get("locale") for source in sources))

    @property
    def branding(self) -> Mapping[str, Any]:
        return self.account.get("branding") or {}

    @property
    def layout(self) -> str:
        layout = self.branding.get("layout")
        return str(layout) if layout in LAYOUTS else DEFAULT_LAYOUT

    @property
    def color(self) -> str:
        return self.branding.get("color") or DEFAULT_COLOR

    def option(self, kind: str, option_id: str | None) -> Mapping[str, Any] | None:
        """The account's biller or payment method (`kind`: billers, payment_methods) the
        document names."""
        if option_id is None:
            return None
        return next((o for o in self.account.get(kind) or [] if o.get("id") == option_id), None)
