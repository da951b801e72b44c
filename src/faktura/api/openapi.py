"""The OpenAPI document as generators and readers need it: short operation ids, the tags
described, the shared error schema, and the headers every operation sends and takes."""

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from faktura.api.schemas import ErrorResponse
from faktura.core.types import SCHEMA_DESCRIPTION, SCHEMA_NAME
from faktura.events.catalog import EVENT_TYPES, TEST_EVENT

DESCRIPTION = """Faktura: invoices, quotes, credit notes and receipts; customers, items,
payments, payment links and webhooks — with exact money and gapless numbering.

Authenticate with `Authorization: Bearer fk_test_…` (test mode) or `fk_live_…` (live mode).
Every error has the shape of `ErrorResponse`. A POST with an `Idempotency-Key` header is
carried out once however often it is sent (the answer is replayed, with
`Idempotent-Replayed: true`)."""

LICENSE = {"name": "Apache-2.0", "identifier": "Apache-2.0"}

TAGS: list[dict[str, str]] = [
    {
        "name": "documents",
        "description": "Invoices, quotes, credit notes and receipts: "
        "totals by EN 16931, gapless numbers, lifecycle, PDFs",
    },
    {"name": "customers", "description": "Customers and their addresses, tax ids and metadata"},
    {"name": "contacts", "description": "A customer's contacts: who documents and reminders go to"},
    {"name": "suppliers", "description": "Suppliers, kept like customers"},
    {"name": "tags", "description": "Labels on customers"},
    {"name": "items", "description": "The item catalog: descriptions, prices, units, VAT rates"},
    {
        "name": "payments",
        "description": "Payments received, their allocation to invoices, "
        "reconciliation and refunds",
    },
    {
        "name": "payment_links",
        "description": "Links to a hosted page where a customer pays an "
        "invoice by card; the account's payment providers",
    },
    {"name": "receivables", "description": "Disputes and payment plans"},
    {"name": "reports", "description": "What is owed: balance and aging"},
    {
        "name": "email",
        "description": "Sending documents, messages, templates, reminders, suppressed addresses",
    },
    {
        "name": "einvoicing",
        "description": "EN 16931 e-invoices of invoices and credit notes, "
        "and what a document lacks to make one",
    },
    {"name": "events", "description": "Every state change, kept at least 30 days"},
    {
        "name": "webhooks",
        "description": "Endpoints notified of events, signed by Standard "
        "Webhooks; their deliveries",
    },
    {"name": "accounting", "description": "The change feed for an external ledger"},
    {"name": "account", "description": "The account's settings and API keys"},
    {"name": "operations", "description": "Health, readiness and metrics"},
]

_HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-Id": {
        "description": "This request's id, also in every error object and in the server's log",
        "schema": {"type": "string", "example": "req_4f1c0d2b9e8a7c6b5a4f3e2d"},
    },
    "X-RateLimit-Limit": {
        "description": "Requests the key's plan allows in the binding window (absent on the "
        "unlimited plan)",
        "schema": {"type": "integer"},
    },
    "X-RateLimit-Remaining": {
        "description": "Requests left in that window",
        "schema": {"type": "integer"},
    },
    "X-RateLimit-Reset": {
        "description": "When that window resets (Unix seconds)",
        "schema": {"type": "integer"},
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again",
        "schema": {"type": "integer"},
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer of an earlier request with the "
        "same Idempotency-Key",
        "schema": {"type": "string", "enum": ["true"]},
    },
}

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Any unique string up to 255 characters (a UUID, say): the request is carried "
    "out once however often it is sent with this key within 24 hours; a different request with "
    "the same key is refused (409 idempotency_conflict). Use a new key per logical request",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


def operation_id(route: APIRoute) -> str:
    """The route's own name (`create_invoice`, `list_payments`): short and stable."""
    return route.name


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


def _add_headers(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {})
    components["headers"] = _HEADERS
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            api = path.startswith("/v1/")
            if api and method == "post":
                operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
            for status, response in operation.get("responses", {}).items():
                headers = response.setdefault("headers", {})
                headers["X-Request-Id"] = _ref("X-Request-Id")
                if status in ("429", "503"):
                    headers["Retry-After"] = _ref("Retry-After")
                if api and status.startswith("2"):
                    for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
                        headers[name] = _ref(name)
                    if method == "post":
                        headers["Idempotent-Replayed"] = _ref("Idempotent-Replayed")


# What a named schema shares with every use of it; the rest (a field's description, default,
# title) stays beside the reference.
_SHARED_KEYS = ("type", "enum", "const", "pattern")


def _lift_named(schema: dict[str, Any]) -> None:
    """Publish each named schema (core.types.named) once under components/schemas and point
    every field and parameter that uses it there: one enum class in a generated client instead
    of one per use. Two uses of a name with different values are a bug, refused here."""
    components = schema["components"]["schemas"]
    named: dict[str, dict[str, Any]] = {}

    def visit(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item)
            return
        if not isinstance(node, dict):
            return
        for value in node.values():
            visit(value)
        name = node.pop(SCHEMA_NAME, None)
        if name is None:
            return
        shared = {key: node.pop(key) for key in _SHARED_KEYS if key in node}
        if "enum" in shared:
            shared["enum"] = sorted(shared["enum"])
        shared["description"] = node.pop(SCHEMA_DESCRIPTION)
        node.pop("title", None)
        known = named.setdefault(name, shared)
        if known != shared:
            raise ValueError(f"schema {name} is named twice with different shapes")
        node["$ref"] = f"#/components/schemas/{name}"

    visit(schema)
    for name in sorted(named):
        components[name] = named[name]


# The schema of `data.object` by the event type's first part (`invoice.paid` → Document).
EVENT_OBJECTS = {
    "invoice": "Document",
    "quote": "Document",
    "credit_note": "Document",
    "receipt": "Document",
    "payment": "Payment",
    "reconciliation": "Payment",
    "message": "Message",
    "payment_link": "PaymentLink",
    "customer": "Customer",
    "supplier": "Supplier",
    "contact": "Contact",
    "tag": "Tag",
    "item": "Item",
    "dispute": "Dispute",
    "payment_plan": "PaymentPlan",
    "webhook_endpoint": "WebhookEndpoint",
}

_DELIVERY_HEADERS = [
    {
        "name": "webhook-id",
        "in": "header",
        "required": True,
        "description": "The event's id: the same on every retry, so a receiver deduplicates on it",
        "schema": {"type": "string", "format": "uuid"},
    },
    {
        "name": "webhook-timestamp",
        "in": "header",
        "required": True,
        "description": "When this attempt was signed (Unix seconds); refuse one far from now",
        "schema": {"type": "integer"},
    },
    {
        "name": "webhook-signature",
        "in": "header",
        "required": True,
        "description": "`v1,` + base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` "
        "keyed by the endpoint's secret (Standard Webhooks); two, space-separated, for 24 hours "
        "after a rotation",
        "schema": {"type": "string"},
    },
]


def _event_payload(event_type: str) -> dict[str, Any]:
    """The body of a delivery of `event_type`: the Event, with its type fixed and its object's
    schema named where the catalog knows it."""
    resource = event_type.split(".", 1)[0]
    data: dict[str, Any] = {
        "type": "object",
        "description": "The object as it was when the event happened",
    }
    if resource in EVENT_OBJECTS and not event_type.endswith(".deleted"):
        data["properties"] = {
            "object": {"$ref": f"#/components/schemas/{EVENT_OBJECTS[resource]}"},
            "previous_attributes": {
                "type": "object",
                "description": "On updates: the changed fields' values before the change",
            },
        }
        data["required"] = ["object"]
    return {
        "allOf": [
            {"$ref": "#/components/schemas/Event"},
            {
                "type": "object",
                "properties": {"type": {"type": "string", "const": event_type}, "data": data},
            },
        ]
    }


def _add_webhooks(schema: dict[str, Any]) -> None:
    """One entry per event type of the catalog: what Faktura POSTs to a subscribed endpoint."""
    webhooks: dict[str, Any] = {}
    for event_type in sorted(EVENT_TYPES):
        who = (
            "the endpoint it is sent to, by `POST /v1/webhook_endpoints/{id}/test`"
            if event_type == TEST_EVENT
            else "every active endpoint subscribed to it or to `*`"
        )
        webhooks[event_type] = {
            "post": {
                "operationId": "on_" + event_type.replace(".", "_"),
                "summary": f"The `{event_type}` event",
                "description": f"Sent to {who}: the event exactly as `GET /v1/events/{{id}}` "
                "shows it, signed by Standard Webhooks. Retried on anything but a 2xx answer "
                "(docs/webhooks.md has the schedule).",
                "tags": ["webhooks"],
                "parameters": _DELIVERY_HEADERS,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _event_payload(event_type)}},
                },
                "responses": {
                    "200": {
                        "description": "Received. Any 2xx acknowledges the delivery; anything "
                        "else, a redirect or no answer within 10 seconds is retried"
                    }
                },
            }
        }
    schema["webhooks"] = webhooks


# Each operation's request and answer, recorded from a tour of the API by the tests
# (tests/api/example_tour.py), which also check that they stay true.
EXAMPLES_PATH = Path(__file__).with_name("examples.json")


def _add_examples(schema: dict[str, Any]) -> None:
    examples = json.loads(EXAMPLES_PATH.read_text(encoding="utf-8"))
    for methods in schema["paths"].values():
        for operation in methods.values():
            example = examples.get(operation["operationId"])
            if example is None:
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None and "request" in example:
                body["example"] = example["request"]
            answer = operation["responses"].get(str(example["response"]["status"]), {})
            content = answer.get("content", {}).get("application/json")
            if content is not None:
                content["example"] = example["response"]["body"]


def _plain_optional_bodies(schema: dict[str, Any]) -> None:
    """An optional body (`/finalize`, `/cancel`, …) is declared as its schema, not as "that
    schema or null": the body may be left out either way, and generators (openapi-python-client)
    send a left-out `X | null` body as an unserialisable value."""
    for methods in schema["paths"].values():
        for operation in methods.values():
            body = operation.get("requestBody")
            if body is None or body.get("required"):
                continue
            for media in body["content"].values():
                options = media["schema"].get("anyOf", [])
                kept = [option for option in options if option.get("type") != "null"]
                if len(options) == 2 and len(kept) == 1:
                    media["schema"] = kept[0]


def install(app: FastAPI) -> None:
    """Publish ErrorResponse under components/schemas, where every error response points, and
    the shared headers."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            error_schema = ErrorResponse.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
            schemas.update(error_schema.pop("$defs", {}))
            schemas["ErrorResponse"] = error_schema
            _lift_named(schema)
            _add_headers(schema)
            _plain_optional_bodies(schema)
            _add_webhooks(schema)
            _add_examples(schema)
            base_url = app.state.runtime.settings.public_base_url
            schema["servers"] = [
                {"url": base_url, "description": "This server (FAKTURA_PUBLIC_URL)"}
            ]
            schema["info"]["contact"] = {
                "name": "This server's documentation",
                "url": f"{base_url}/docs",
            }
            schema["info"]["license"] = LICENSE
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
