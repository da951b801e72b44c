"""Israel: allocation numbers from the Israel Tax Authority (ITA, "חשבוניות ישראל").

A B2B tax invoice with VAT, to a customer with an Israeli VAT number, whose amount before VAT
is above the threshold in force on its date, needs an allocation number before the customer may
deduct its VAT. Faktura asks ITA's `Approval` endpoint for one and prints its last nine digits.

Access is the account owner's grant, once, through ITA's OAuth2 authorization-code flow; Faktura
keeps the tokens (encrypted) and refreshes the access token when it expires.

The request follows ITA's published specification of the Invoices API as Faktura reads it; the
test authority (tests/clearance/fake_ita.py) checks exactly these fields. Confirm against ITA's
sandbox before going live.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

import httpx
from stdnum.il import idnr

from faktura.clearance.authorities import AuthorityError, Outcome, Submission, Unreachable

NAME = "il_ita"
BASE_URLS = {
    "sandbox": "https://openapi.taxes.gov.il/shaam/tsandbox",
    "production": "https://openapi.taxes.gov.il/shaam/production",
}
AUTHORIZE_PATH = "/longtimetoken/oauth2/authorize"
TOKEN_PATH = "/longtimetoken/oauth2/token"  # noqa: S105 (a path, not a secret)
APPROVAL_PATH = "/Invoices/v1/Approval"

# The amount before VAT above which an invoice needs an allocation number, from the date each
# came into force (VAT Implementation Orders; the first on 5 May 2024). Later rows win.
THRESHOLDS: tuple[tuple[date, Decimal], ...] = (
    (date(2024, 5, 5), Decimal(25000)),
    (date(2025, 1, 1), Decimal(20000)),
    (date(2026, 1, 1), Decimal(10000)),
    (date(2026, 6, 1), Decimal(5000)),
)
# ITA's document types: a tax invoice, and a credit (refund) invoice.
INVOICE_TYPES = {"invoice": 305, "credit_note": 330}
_CENT = Decimal("0.01")


def threshold_on(day: date) -> Decimal | None:
    """The threshold in force on `day`; None before allocation numbers existed."""
    found = None
    for since, amount in THRESHOLDS:
        if day >= since:
            found = amount
    return found


def israeli_vat_number(tax_id: str | None) -> str | None:
    """The nine digits of an Israeli VAT (dealer) number, or None when `tax_id` is not one."""
    if not tax_id:
        return None
    digits = tax_id.replace(" ", "").replace("-", "").upper().removeprefix("IL")
    return digits if len(digits) == 9 and idnr.is_valid(digits) else None


def before_vat(document: dict[str, Any]) -> Decimal:
    return Decimal(str(document["total"])) - Decimal(str(document["tax_amount"]))


def required(document: dict[str, Any], customer: dict[str, Any]) -> bool:
    """Whether the document needs an allocation number: a tax invoice or credit invoice with
    VAT, to an Israeli VAT number, above the threshold of its issue date. A document in
    another currency than ILS is asked for whatever its amount: Faktura does not convert it,
    and an allocation number the rules do not demand is still valid."""
    if document["type"] not in INVOICE_TYPES:
        return False
    if israeli_vat_number(customer.get("tax_id")) is None:
        return False
    if Decimal(str(document["tax_amount"])) <= 0:
        return False
    threshold = threshold_on(date.fromisoformat(document["issue_date"]))
    if threshold is None:
        return False
    return document["currency"] != "ILS" or before_vat(document) > threshold


def _amount(value: Any) -> float:
    # ITA's JSON takes numbers; two decimals, exact from the Decimal.
    return float(Decimal(str(value)).quantize(_CENT, ROUND_HALF_UP))


def _number(value: Any) -> float:
    # A quantity or unit price as written (up to four decimals), not rounded to the agora.
    return float(Decimal(str(value)))


def approval_request(submission: Submission) -> dict[str, Any]:
    document, account, customer = submission.document, submission.account, submission.customer
    subtotal = Decimal(str(document["subtotal"]))
    discount = Decimal(str(document.get("discount_amount") or 0))
    items = []
    for index, line in enumerate(document["line_items"], start=1):
        items.append(
            {
                "Index": index,
                "Description": line["description"][:150],
                "Measure_Unit_Description": line.get("unit") or "",
                "Quantity": _number(line["quantity"]),
                "Price_Per_Unit": _number(line["unit_price"]),
                "Discount": _amount(line.get("discount_amount") or 0),
                "Total_Amount": _amount(line["amount"]),
                "VAT_Rate": _amount(line.get("vat_rate") or 0),
            }
        )
    return {
        "Invoice_ID": document["id"],
        "Invoice_Type": INVOICE_TYPES[document["type"]],
        "Vat_Number": int(israeli_vat_number(account.get("tax_id")) or 0),
        "Invoice_Reference_Number": document["number"],
        "Customer_VAT_Number": int(israeli_vat_number(customer.get("tax_id")) or 0),
        "Customer_Name": customer.get("company_name") or "",
        "Invoice_Date": document["issue_date"],
        "Invoice_Issuance_Date": document["issue_date"],
        "Accounting_Software_Number": int(submission.options["software_registration_number"]),
        "Amount_Before_Discount": _amount(subtotal),
        "Discount": _amount(discount),
        "Payment_Amount": _amount(before_vat(document)),
        "VAT_Amount": _amount(document["tax_amount"]),
        "Payment_Amount_Including_VAT": _amount(document["total"]),
        "Action": 0,
        "Items": items,
    }


def problems(submission: Submission) -> list[str]:
    found = []
    if israeli_vat_number(submission.account.get("tax_id")) is None:
        found.append("the seller's Israeli VAT number (9 digits): set account.tax_id")
    if not submission.options.get("software_registration_number"):
        found.append(
            "the software's ITA registration number: set "
            "clearance.il_ita.software_registration_number"
        )
    return found


def last_nine(reference: str | None) -> str | None:
    """What the document prints: the allocation number's last nine digits."""
    return reference[-9:] if reference else None


class NotAuthorized(Unreachable):
    """ITA refused the tokens (the grant expired or was withdrawn): tried again later, so the
    account owner can grant access again meanwhile."""


@dataclass
class Tokens:
    access_token: str
    refresh_token: str | None
    expires_in: int


async def exchange(
    http: httpx.AsyncClient, base_url: str, form: dict[str, str], seconds: float = 20
) -> Tokens:
    """A token request (authorization_code or refresh_token grant)."""
    try:
        response = await http.post(
            f"{base_url.rstrip('/')}{TOKEN_PATH}", data=form, timeout=seconds
        )
    except httpx.HTTPError as exc:
        raise Unreachable(f"ITA did not answer: {type(exc).__name__}") from exc
    if response.status_code >= 500:
        raise Unreachable(f"ITA answered {response.status_code}")
    if response.status_code != 200:
        raise NotAuthorized(f"ITA refused the token request ({response.status_code})")
    body = response.json()
    return Tokens(body["access_token"], body.get("refresh_token"), int(body.get("expires_in", 0)))


def authorize_url(base_url: str, client_id: str, redirect_uri: str, state: str) -> str:
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": "scope",
            "state": state,
        }
    )
    return f"{base_url.rstrip('/')}{AUTHORIZE_PATH}?{query}"


@dataclass
class Ita:
    """The client of one account's grant. `access_token` is current (the job refreshed it)."""

    http: httpx.AsyncClient
    base_url: str
    access_token: str
    timeout: float = 20
    name: str = NAME

    async def submit(self, submission: Submission) -> Outcome:
        errors = problems(submission)
        if errors:
            return Outcome("rejected", errors=tuple(AuthorityError(None, e) for e in errors))
        try:
            response = await self.http.post(
                f"{self.base_url.rstrip('/')}{APPROVAL_PATH}",
                json=approval_request(submission),
                headers={"Authorization": f"Bearer {self.access_token}"},
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            raise Unreachable(f"ITA did not answer: {type(exc).__name__}") from exc
        if response.status_code == 401:
            raise NotAuthorized("ITA refused the access token")
        if response.status_code >= 500 or response.status_code == 429:
            raise Unreachable(f"ITA answered {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise Unreachable("ITA answered what is not JSON") from exc
        number = body.get("Confirmation_Number")
        if response.status_code == 200 and body.get("Status") == 200 and number:
            return Outcome("cleared", reference=str(number))
        message = str(body.get("Message") or f"refused ({response.status_code})")
        return Outcome("rejected", errors=(AuthorityError(str(body.get("Status")), message),))

    async def cancel(self, document: dict[str, Any], clearance: dict[str, Any]) -> Outcome:
        """ITA has no cancellation: a cancelled invoice is reversed by a credit invoice."""
        return Outcome("rejected", errors=(AuthorityError(None, "ITA cancels nothing"),))
