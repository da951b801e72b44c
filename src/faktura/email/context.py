"""The variables a template sees (docs/email.md lists them).

Amounts and dates come formatted in the message's locale (the document's, else the customer's,
else the account's); `document` is the document as the API shows it, for anything else.
"""

from collections.abc import Mapping
from typing import Any

from babel import Locale

from faktura.accounts.models import Account
from faktura.customers.models import Contact, Party
from faktura.documents.schemas import Document
from faktura.pdfs.printable import first_locale
from faktura.pdfs.render import formatters
from faktura.pdfs.sample import sample_document

_AMOUNTS = ("total", "amount_due", "amount_paid", "amount_credited")


def message_locale(document: Mapping[str, Any], customer: Party, account: Account) -> Locale:
    return first_locale(document.get("locale"), customer.locale, account.locale)


def template_context(
    document: Mapping[str, Any],
    customer: Mapping[str, Any],
    contact: Mapping[str, Any] | None,
    account: Mapping[str, Any],
    locale: Locale,
    *,
    stage: str,
    escalation_level: int = 0,
    payment_link_url: str | None = None,
) -> dict[str, Any]:
    shown = formatters(locale, document["currency"])
    issue_date, due_date = document.get("issue_date"), document.get("due_date")
    context: dict[str, Any] = {
        "document": dict(document),
        "customer": dict(customer),
        "contact": dict(contact) if contact is not None else None,
        "account": dict(account),
        "issue_date": shown["date"](issue_date) if issue_date else None,
        "due_date": shown["date"](due_date) if due_date else None,
        "locale": str(locale).replace("_", "-"),
        "stage": stage,
        "escalation_level": escalation_level,
        "payment_link_url": payment_link_url,
    }
    for name in _AMOUNTS:
        value = document.get(name)
        context[name] = shown["money"](value) if value is not None else None
    return context


def customer_vars(customer: Party) -> dict[str, Any]:
    return {
        "id": str(customer.id),
        "name": customer.company_name,
        "email": customer.email,
        "phone": customer.phone,
        "tax_id": customer.tax_id,
        "external_id": customer.external_id,
    }


def contact_vars(contact: Contact | None) -> dict[str, Any] | None:
    if contact is None:
        return None
    return {"name": contact.contact_name, "email": contact.email, "phone": contact.phone}


def account_vars(account: Account) -> dict[str, Any]:
    return {
        "name": account.name,
        "legal_name": account.legal_name,
        "email": account.email,
        "phone": account.phone,
        "website": account.website,
        "tax_id": account.tax_id,
    }


def sample_context(language: str = "en") -> dict[str, Any]:
    """What a template is tried with when saved: the sample invoice of the branding preview
    (every field the API shows a document with)."""
    shown = {name: None for name in Document.model_fields}
    document = {**shown, "livemode": False, **sample_document("EUR", None)}
    return template_context(
        document,
        {
            "id": "00000000-0000-7000-8000-000000000001",
            "name": "Example Customer Ltd",
            "email": "billing@example.com",
            "phone": None,
            "tax_id": None,
            "external_id": None,
        },
        {"name": "Dana Example", "email": "dana@example.com", "phone": None},
        {
            "name": "Your Company",
            "legal_name": None,
            "email": "billing@example.org",
            "phone": None,
            "website": None,
            "tax_id": None,
        },
        first_locale(language),
        stage="initial_send",
        payment_link_url="https://pay.example.org/pay/sample",
    )
