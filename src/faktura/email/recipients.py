"""Whom a message goes to when the request named nobody: looked up when it goes out, so a
scheduled message reaches a contact's new address."""

from faktura.customers.models import Contact, Party


def recipients_of(customer: Party, escalation_level: int) -> tuple[list[str], Contact | None]:
    """The primary contact (else the first, else the customer's email), and the contacts whose
    escalation level is between 1 and `escalation_level`; and whom to greet."""
    contacts = list(customer.contacts)
    first = next((c for c in contacts if c.is_primary), None) or next(
        (c for c in contacts if c.escalation_level == 0), None
    )
    found: list[str] = [first.email] if first is not None else []
    if first is None and customer.email:
        found.append(customer.email)
    for contact in contacts:
        if contact is not first and 0 < contact.escalation_level <= escalation_level:
            found.append(contact.email)
    return unique(found), first


def unique(addresses: list[str]) -> list[str]:
    seen: set[str] = set()
    kept = []
    for address in addresses:
        if address.lower() not in seen:
            seen.add(address.lower())
            kept.append(address)
    return kept
