"""A tour of the whole API whose requests and answers are the OpenAPI document's examples.

`tests/api/test_openapi_examples.py` runs it and checks that every example in
src/faktura/api/examples.json is exactly what the tour sent and got (ids, keys, secrets and
hashes aside), and that each answer matches its schema: the examples cannot drift from the API.
`make openapi-examples` writes the file again after a change.

Each operation's first successful call is its example, so the order below is also the order of
the story: an account sets itself up, sells to a customer, is paid, and notifies its systems.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx

from faktura.core.jsoncodec import loads
from tests.accounts.factories import ApiClient

# A 240 × 80 PNG: a band of the account's colour, as a logo might be.
LOGO_PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAPAAAABQCAIAAACoK28rAAAA9ElEQVR4nO3SQQ3AIADAwDEjOMIP7jFBQtLcKeijY679QcX/OgB"
    "uMjQphibF0KQYmhRDk2JoUgxNiqFJMTQphibF0KQYmhRDk2JoUgxNiqFJMTQphibF0KQYmhRDk2JoUgxNiqFJMTQphibF0KQ"
    "YmhRDk2JoUgxNiqFJMTQphibF0KQYmhRDk2JoUgxNiqFJMTQphibF0KQYmhRDk2JoUgxNiqFJMTQphibF0KQYmhRDk2JoUgx"
    "NiqFJMTQphibF0KQYmhRDk2JoUgxNiqFJMTQphibF0KQYmhRDk2JoUgxNiqFJMTQphibF0KQYmhRDk2JoUg7GCQGGunyUfgAA"
    "AABJRU5ErkJggg=="
)


@dataclass
class Call:
    operation_id: str
    request: Any
    status: int
    response: Any


@dataclass
class Recorder:
    """Calls the API like ApiClient and keeps each operation's first successful call."""

    api: ApiClient
    operation_of: Callable[[str, str], str | None]
    calls: dict[str, Call] = field(default_factory=dict)

    async def _call(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.api.key}"}
        if body is not None:
            kwargs["json"] = body
        response: httpx.Response = await self.api.http.request(
            method, path, headers=headers, **kwargs
        )
        assert response.status_code < 300, f"{method} {path}: {response.text[:500]}"
        operation_id = self.operation_of(method, httpx.URL(path).path)
        is_json = response.headers.get("content-type", "").startswith("application/json")
        answer = loads(response.content) if is_json else None
        if operation_id is not None and operation_id not in self.calls:
            self.calls[operation_id] = Call(operation_id, body, response.status_code, answer)
        return answer

    async def get(self, path: str, **kwargs: Any) -> Any:
        return await self._call("GET", path, **kwargs)

    async def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return await self._call("POST", path, body, **kwargs)

    async def patch(self, path: str, body: Any) -> Any:
        return await self._call("PATCH", path, body)

    async def put(self, path: str, body: Any) -> Any:
        return await self._call("PUT", path, body)

    async def delete(self, path: str, body: Any = None) -> Any:
        return await self._call("DELETE", path, body)


Step = Callable[[Recorder, dict[str, Any]], Awaitable[None]]


async def set_up_the_account(r: Recorder, ids: dict[str, Any]) -> None:
    await r.get("/healthz")
    await r.get("/readyz")
    account = await r.patch(
        "/v1/account",
        {
            "name": "Northwind Studio",
            "legal_name": "Northwind Studio GmbH",
            "tax_id": "DE136695976",
            "email": "billing@northwind.example",
            "phone": "+49 30 901820",
            "website": "https://northwind.example",
            "address": {
                "street": "Friedrichstraße 68",
                "city": "Berlin",
                "zip": "10117",
                "country": "DE",
            },
            "default_currency": "EUR",
            "locale": "de",
            "timezone": "Europe/Berlin",
        },
    )
    ids["vat"] = {rate["name"]: rate["id"] for rate in account["vat_rates"]}
    await r.get("/v1/account")
    await r.post("/v1/account/logo", {"logo_base64": LOGO_PNG})
    await r.delete("/v1/account/logo")
    key = await r.post(
        "/v1/api_keys",
        {"name": "Accounting sync", "scopes": ["documents:read", "payments:read"]},
    )
    await r.get("/v1/api_keys")
    await r.delete(f"/v1/api_keys/{key['id']}")


async def keep_customers(r: Recorder, ids: dict[str, Any]) -> None:
    tag = await r.post("/v1/tags", {"name": "Key account"})
    ids["tag"] = tag["id"]
    customer = await r.post(
        "/v1/customers",
        {
            "company_name": "Contoso Handels AG",
            "email": "accounts@contoso.example",
            "tax_id": "DE811569869",
            "address": {
                "street": "Marienplatz 8",
                "city": "München",
                "zip": "80331",
                "country": "DE",
            },
            "currency": "EUR",
            "locale": "de",
            "external_id": "CRM-10442",
            "metadata": {"segment": "wholesale"},
            "contacts": [
                {
                    "contact_name": "Lena Vogel",
                    "email": "lena.vogel@contoso.example",
                    "phone": "+49 89 2339600",
                    "phone_type": "office",
                    "is_primary": True,
                }
            ],
            "tags": [tag["id"]],
        },
    )
    ids["customer"] = customer["id"]
    await r.get("/v1/customers", params={"per_page": 2})
    await r.get(f"/v1/customers/{customer['id']}")
    await r.patch(f"/v1/customers/{customer['id']}", {"notes": "Pays by bank transfer"})
    contact = await r.post(
        "/v1/contacts",
        {
            "customer_id": customer["id"],
            "contact_name": "Jonas Brandt",
            "email": "jonas.brandt@contoso.example",
            "title": "Head of Finance",
            "escalation_level": 1,
        },
    )
    await r.get("/v1/contacts", params={"customer_id": customer["id"]})
    await r.get(f"/v1/contacts/{contact['id']}")
    await r.patch(f"/v1/contacts/{contact['id']}", {"phone": "+49 89 2339601"})
    await r.delete(f"/v1/contacts/{contact['id']}")
    other = await r.post(
        "/v1/customers",
        {
            "company_name": "Fabrikam Bau GmbH",
            "contacts": [{"contact_name": "Max Roth", "email": "max.roth@fabrikam.example"}],
        },
    )
    await r.get("/v1/tags", params={"per_page": 2})
    await r.get(f"/v1/tags/{tag['id']}")
    await r.patch(f"/v1/tags/{tag['id']}", {"name": "Key accounts"})
    await r.post(f"/v1/tags/{tag['id']}/customers", {"customer_ids": [other["id"]]})
    await r.delete(f"/v1/tags/{tag['id']}/customers", {"customer_ids": [other["id"]]})
    await r.post(
        "/v1/customers/bulk_tags",
        {"customer_ids": [customer["id"], other["id"]], "add_tag_ids": [tag["id"]]},
    )
    await r.delete(f"/v1/customers/{other['id']}")
    spare = await r.post("/v1/tags", {"name": "Dormant"})
    await r.delete(f"/v1/tags/{spare['id']}")
    supplier = await r.post(
        "/v1/suppliers",
        {"company_name": "Tailspin Papier KG", "email": "orders@tailspin.example"},
    )
    await r.get("/v1/suppliers")
    await r.get(f"/v1/suppliers/{supplier['id']}")
    await r.patch(f"/v1/suppliers/{supplier['id']}", {"phone": "+49 40 428380"})
    await r.delete(f"/v1/suppliers/{supplier['id']}")


async def keep_the_catalog(r: Recorder, ids: dict[str, Any]) -> None:
    item = await r.post(
        "/v1/items",
        {
            "name": "Design workshop",
            "description": "Half-day workshop, on site",
            "unit_price": "950.00",
            "currency": "EUR",
            "unit": "day",
            "unit_code": "DAY",
            "sku": "WS-HALF",
            "vat_rate_id": ids["vat"]["Standard"],
        },
    )
    ids["item"] = item["id"]
    await r.get("/v1/items", params={"per_page": 2})
    await r.get(f"/v1/items/{item['id']}")
    await r.patch(f"/v1/items/{item['id']}", {"unit_price": "990.00"})
    spare = await r.post("/v1/items", {"name": "Travel (flat)", "unit_price": "120.00"})
    await r.delete(f"/v1/items/{spare['id']}")


def _lines(ids: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"item_id": ids["item"], "quantity": "2"},
        {
            "description": "Brand guidelines, 40 pages",
            "quantity": "1",
            "unit_price": "2400.00",
            "vat_rate_id": ids["vat"]["Standard"],
        },
    ]


async def sell(r: Recorder, ids: dict[str, Any]) -> None:
    issue = date(2026, 11, 2)
    invoice = await r.post(
        "/v1/invoices",
        {
            "customer_id": ids["customer"],
            "issue_date": issue.isoformat(),
            "due_date": (issue + timedelta(days=30)).isoformat(),
            "line_items": _lines(ids),
            "status": "draft",
        },
    )
    await r.patch(f"/v1/invoices/{invoice['id']}", {"discount_amount": "100.00"})
    await r.get(f"/v1/invoices/{invoice['id']}")
    invoice = await r.post(f"/v1/invoices/{invoice['id']}/finalize")
    await r.get(f"/v1/invoices/{invoice['id']}/einvoice/check")
    ids["invoice"] = invoice["id"]
    await r.get("/v1/invoices", params={"status": "pending", "per_page": 2})
    await r.post(f"/v1/invoices/{invoice['id']}/pdf", {"action": "generate_pdf"})
    await r.get(f"/v1/invoices/{invoice['id']}/pdf")
    draft = await r.post(
        "/v1/invoices",
        {"customer_id": ids["customer"], "line_items": _lines(ids)[1:], "status": "draft"},
    )
    await r.delete(f"/v1/invoices/{draft['id']}")
    mistaken = await r.post(
        "/v1/invoices",
        {"customer_id": ids["customer"], "line_items": _lines(ids)[1:]},
    )
    await r.post(f"/v1/invoices/{mistaken['id']}/cancel", {"reason": "Issued twice"})
    await r.post(f"/v1/invoices/{mistaken['id']}", params={"action": "generate_pdf"})
    await r.get("/v1/documents", params={"customer_id": ids["customer"], "per_page": 2})
    await r.get(f"/v1/documents/{invoice['id']}")

    quote = await r.post(
        "/v1/quotes",
        {
            "customer_id": ids["customer"],
            "issue_date": "2026-11-10",
            "line_items": _lines(ids),
            "status": "draft",
        },
    )
    await r.patch(f"/v1/quotes/{quote['id']}", {"due_date": "2026-12-10"})
    await r.get(f"/v1/quotes/{quote['id']}")
    await r.get("/v1/quotes", params={"per_page": 2})
    await r.post(f"/v1/quotes/{quote['id']}/finalize")
    await r.post(f"/v1/quotes/{quote['id']}/pdf", {"action": "generate_pdf"})
    await r.post(f"/v1/quotes/{quote['id']}", params={"action": "generate_pdf"})
    await r.post(f"/v1/quotes/{quote['id']}/accept")
    await r.post(f"/v1/quotes/{quote['id']}/convert")
    declined = await r.post(
        "/v1/quotes", {"customer_id": ids["customer"], "line_items": _lines(ids)}
    )
    await r.post(f"/v1/quotes/{declined['id']}/decline")
    dropped = await r.post(
        "/v1/quotes", {"customer_id": ids["customer"], "line_items": _lines(ids)}
    )
    await r.post(f"/v1/quotes/{dropped['id']}/cancel", {"reason": "Project postponed"})
    gone = await r.post(
        "/v1/quotes", {"customer_id": ids["customer"], "line_items": _lines(ids), "status": "draft"}
    )
    await r.delete(f"/v1/quotes/{gone['id']}")

    credit = await r.post(
        "/v1/credit_notes",
        {
            "related_document_id": invoice["id"],
            "line_items": [
                {
                    "description": "Workshop shortened to a morning",
                    "quantity": "1",
                    "unit_price": "200.00",
                    "vat_rate_id": ids["vat"]["Standard"],
                }
            ],
            "status": "draft",
        },
    )
    await r.patch(f"/v1/credit_notes/{credit['id']}", {"issue_date": "2026-11-12"})
    await r.get(f"/v1/credit_notes/{credit['id']}")
    await r.post(f"/v1/credit_notes/{credit['id']}/finalize")
    await r.get("/v1/credit_notes", params={"per_page": 2})
    await r.get(f"/v1/credit_notes/{credit['id']}/einvoice/check")
    await r.post(f"/v1/credit_notes/{credit['id']}/pdf", {"action": "generate_pdf"})
    await r.post(f"/v1/credit_notes/{credit['id']}", params={"action": "generate_pdf"})
    spare = await r.post(
        "/v1/credit_notes",
        {"related_document_id": invoice["id"], "line_items": _lines(ids)[1:], "status": "draft"},
    )
    await r.delete(f"/v1/credit_notes/{spare['id']}")
    ids["credit_note"] = credit["id"]


async def be_paid(r: Recorder, ids: dict[str, Any]) -> None:
    payment = await r.post(
        "/v1/payments",
        {
            "amount": "1500.00",
            "payment_date": "2026-11-20",
            "payment_method": "wire",
            "payer_name": "Contoso Handels AG",
            "payer_reference": "RF18 5390 0754 7034",
            "invoice_id": ids["invoice"],
        },
    )
    ids["payment"] = payment["id"]
    await r.get("/v1/payments", params={"invoice_id": ids["invoice"]})
    await r.get(f"/v1/payments/{payment['id']}")
    await r.patch(f"/v1/payments/{payment['id']}", {"notes": "Matched by reference"})
    await r.post(
        f"/v1/payments/{payment['id']}/refund",
        {"amount": "50.00", "reason": "Bank charges paid twice"},
    )
    receipt = await r.post(
        "/v1/receipts",
        {
            "customer_id": ids["customer"],
            "line_items": [{"description": "Prints, A2", "quantity": "3", "unit_price": "45.00"}],
            "status": "draft",
        },
    )
    await r.patch(f"/v1/receipts/{receipt['id']}", {"issue_date": "2026-11-21"})
    await r.get(f"/v1/receipts/{receipt['id']}")
    await r.post(f"/v1/receipts/{receipt['id']}/finalize")
    await r.get("/v1/receipts", params={"per_page": 2})
    await r.post(f"/v1/receipts/{receipt['id']}/pdf", {"action": "generate_pdf"})
    await r.post(f"/v1/receipts/{receipt['id']}", params={"action": "generate_pdf"})
    await r.post(f"/v1/receipts/{receipt['id']}/cancel", {"reason": "Paid by card instead"})
    spare = await r.post(
        "/v1/receipts",
        {"customer_id": ids["customer"], "line_items": _lines(ids)[1:], "status": "draft"},
    )
    await r.delete(f"/v1/receipts/{spare['id']}")

    disputed = await r.post(
        "/v1/invoices",
        {"customer_id": ids["customer"], "line_items": _lines(ids)},
    )
    dispute = await r.post(
        "/v1/disputes",
        {"invoice_id": disputed["id"], "reason": "Second workshop day was not held"},
    )
    await r.get("/v1/disputes")
    await r.get(f"/v1/disputes/{dispute['id']}")
    await r.post(
        f"/v1/disputes/{dispute['id']}/resolve",
        {"outcome": "rejected", "notes": "Attendance list signed by the customer"},
    )
    plan = await r.post(
        "/v1/payment_plans",
        {
            "invoice_id": disputed["id"],
            "count": 3,
            "interval": "month",
            "first_due_date": "2026-12-15",
        },
    )
    await r.get("/v1/payment_plans")
    await r.get(f"/v1/payment_plans/{plan['id']}")
    await r.post(f"/v1/payment_plans/{plan['id']}/cancel")
    await r.get("/v1/reports/balance")
    await r.get("/v1/reports/aging")


async def send(r: Recorder, ids: dict[str, Any]) -> None:
    await r.patch(
        "/v1/account/email_settings",
        {"from_name": "Northwind Studio", "reply_to": "billing@northwind.example"},
    )
    await r.get("/v1/account/email_settings")
    template = await r.post(
        "/v1/email_templates",
        {
            "name": "Invoice, friendly",
            "stage": "initial_send",
            "locale": "en",
            "subject": "Invoice {{ document.number }} from {{ account.name }}",
            "html_body": "<p>Hello {{ contact.name }},</p><p>Please find invoice "
            "{{ document.number }} for {{ amount_due }} attached.</p>",
        },
    )
    await r.get("/v1/email_templates", params={"stage": "initial_send", "per_page": 2})
    await r.get("/v1/templates", params={"per_page": 2})
    await r.get(f"/v1/email_templates/{template['id']}")
    await r.patch(
        f"/v1/email_templates/{template['id']}",
        {"text_body": "Hello {{ contact.name }}, invoice {{ document.number }} is attached."},
    )
    await r.post(f"/v1/email_templates/{template['id']}/preview", {"document_id": ids["invoice"]})
    message = await r.post(
        f"/v1/invoices/{ids['invoice']}/send",
        {"template_id": template["id"], "cc_self": True},
    )
    await r.get("/v1/messages", params={"document_id": ids["invoice"], "per_page": 2})
    await r.get(f"/v1/messages/{message['id']}")
    scheduled = await r.post(
        f"/v1/invoices/{ids['invoice']}/send",
        {"scheduled_date": "2026-12-01T09:00:00+01:00", "attach_pdf": False},
    )
    await r.post(f"/v1/messages/{scheduled['id']}/cancel")
    await r.post(f"/v1/invoices/{ids['invoice']}", params={"action": "send"})
    quote = await r.post("/v1/quotes", {"customer_id": ids["customer"], "line_items": _lines(ids)})
    await r.post(f"/v1/quotes/{quote['id']}/send", {})
    await r.post(f"/v1/credit_notes/{ids['credit_note']}/send", {})
    receipt = await r.post(
        "/v1/receipts",
        {"customer_id": ids["customer"], "line_items": _lines(ids)[1:]},
    )
    await r.post(f"/v1/receipts/{receipt['id']}/send", {})
    await r.delete(f"/v1/email_templates/{template['id']}")
    await r.put(
        "/v1/account/reminders",
        {
            "enabled": True,
            "send_hour": 9,
            "steps": [
                {"offset_days": -3, "stage": "reminder", "escalation_level": 0},
                {"offset_days": 7, "stage": "overdue", "escalation_level": 1},
            ],
        },
    )
    await r.get("/v1/account/reminders")
    await r.post(
        "/v1/email_suppressions", {"email": "old-billing@contoso.example", "reason": "Left"}
    )
    await r.get("/v1/email_suppressions")
    await r.delete("/v1/email_suppressions/old-billing@contoso.example")


async def take_payments_online(r: Recorder, ids: dict[str, Any]) -> None:
    await r.put(
        "/v1/account/payment_providers/stripe",
        {"secret_key": "sk_test_51Northwind", "publishable_key": "pk_test_51Northwind"},
    )
    await r.get("/v1/account/payment_providers")
    await r.delete("/v1/account/payment_providers/stripe")
    link = await r.post(
        "/v1/payment_links",
        {"document_id": ids["invoice"], "expiry_hours": 168, "installments": 3},
    )
    await r.get("/v1/payment_links", params={"status": "active"})
    await r.get(f"/v1/payment_links/{link['id']}")
    await r.post(f"/v1/payment_links/{link['id']}/deactivate")


async def clear_with_the_tax_authority(r: Recorder, ids: dict[str, Any]) -> None:
    await r.put(
        "/v1/account/clearance",
        {
            "provider": "il_ita",
            "environment": "sandbox",
            "credentials": {"client_id": "northwind-app", "client_secret": "s3cr3t-from-ita"},
            "il_ita": {"software_registration_number": "12345678"},
        },
    )
    await r.get("/v1/account/clearance")
    await r.post("/v1/account/clearance/authorization")
    await r.delete("/v1/account/clearance")


async def notify_other_systems(r: Recorder, ids: dict[str, Any]) -> None:
    endpoint = await r.post(
        "/v1/webhook_endpoints",
        {
            "url": "https://erp.northwind.example/hooks/faktura",
            "events": ["invoice.finalized", "invoice.paid", "payment.created"],
            "description": "ERP: open items",
        },
    )
    await r.get("/v1/webhook_endpoints")
    await r.get(f"/v1/webhook_endpoints/{endpoint['id']}")
    await r.patch(
        f"/v1/webhook_endpoints/{endpoint['id']}",
        {"events": ["invoice.finalized", "invoice.paid", "payment.created", "payment.refunded"]},
    )
    await r.post(f"/v1/webhook_endpoints/{endpoint['id']}/rotate_secret")
    await r.post(f"/v1/webhook_endpoints/{endpoint['id']}/test")
    deliveries = await r.get(f"/v1/webhook_endpoints/{endpoint['id']}/deliveries")
    delivery = deliveries["data"][0]
    await r.get(f"/v1/webhook_deliveries/{delivery['id']}")
    await r.post(f"/v1/webhook_deliveries/{delivery['id']}/retry")
    events = await r.get("/v1/events", params={"type": "invoice.finalized", "per_page": 1})
    await r.get(f"/v1/events/{events['data'][0]['id']}")
    changes = await r.get("/v1/accounting/changes", params={"status": "pending", "per_page": 2})
    await r.post(
        "/v1/accounting/changes",
        {"action": "mark_synced", "change_ids": [c["id"] for c in changes["data"]]},
    )
    await r.delete(f"/v1/webhook_endpoints/{endpoint['id']}")


TOUR: tuple[Step, ...] = (
    set_up_the_account,
    keep_customers,
    keep_the_catalog,
    sell,
    be_paid,
    send,
    take_payments_online,
    clear_with_the_tax_authority,
    notify_other_systems,
)
