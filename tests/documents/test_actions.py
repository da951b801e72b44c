"""Action endpoints read their bodies: cancel keeps its reason; every action refuses fields it
does not know, before it changes anything."""

import re
import uuid

import pytest

from faktura.app import create_app
from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.customers.factories import events
from tests.documents.factories import create_document, exact


def _actions_without_fields() -> list[str]:
    """Every POST whose body is NoFields, as the OpenAPI document declares it."""
    spec = create_app().openapi()
    paths = []
    for path, operations in spec["paths"].items():
        body = operations.get("post", {}).get("requestBody")
        if body is None:
            continue
        schema = body["content"]["application/json"]["schema"]
        refs = [option.get("$ref", "") for option in schema.get("anyOf", [schema])]
        if "#/components/schemas/NoFields" in refs:
            paths.append(path)
    return sorted(paths)


ACTIONS = _actions_without_fields()


def test_every_action_that_takes_nothing_says_so() -> None:
    assert ACTIONS == [
        "/v1/credit_notes/{document_id}/finalize",
        "/v1/invoices/{document_id}/finalize",
        "/v1/payment_plans/{plan_id}/cancel",
        "/v1/quotes/{document_id}/accept",
        "/v1/quotes/{document_id}/convert",
        "/v1/quotes/{document_id}/decline",
        "/v1/quotes/{document_id}/finalize",
        "/v1/receipts/{document_id}/finalize",
        "/v1/webhook_deliveries/{delivery_id}/retry",
        "/v1/webhook_endpoints/{endpoint_id}/rotate_secret",
        "/v1/webhook_endpoints/{endpoint_id}/test",
    ]


@pytest.mark.parametrize("path", ACTIONS)
async def test_an_action_refuses_an_unknown_field(api: ApiClient, path: str) -> None:
    url = re.sub(r"\{[a-z_]+\}", str(uuid.uuid4()), path)

    error = assert_error(await api.post(url, json={"signature": "Jane"}), 422, "validation_error")

    assert error["details"] == [{"field": "signature", "message": "Extra inputs are not permitted"}]
    # Without a body, or with {}, the same request reaches the action: the id is unknown.
    assert_error(await api.post(url), 404, "not_found")
    assert_error(await api.post(url, json={}), 404, "not_found")


async def test_accept_with_an_unknown_field_leaves_the_quote_as_it_was(api: ApiClient) -> None:
    quote = await create_document(api, "quotes")

    response = await api.post(f"/v1/quotes/{quote['id']}/accept", json={"signature": "Jane"})

    assert_error(response, 422, "validation_error")
    assert exact(await api.get(f"/v1/quotes/{quote['id']}"))["status"] == quote["status"]
    accepted = await api.post(f"/v1/quotes/{quote['id']}/accept", json={})
    assert exact(accepted)["status"] == "accepted"


async def test_cancel_keeps_its_reason_on_the_document_and_in_the_event(api: ApiClient) -> None:
    invoice = await create_document(api)

    response = await api.post(f"/v1/invoices/{invoice['id']}/cancel", json={"reason": "duplicate"})

    assert response.status_code == 200, response.text
    cancelled = exact(response)
    assert (cancelled["status"], cancelled["cancellation_reason"]) == ("cancelled", "duplicate")
    assert exact(await api.get(f"/v1/invoices/{invoice['id']}"))["cancellation_reason"] == (
        "duplicate"
    )
    [event] = await events(api, "invoice.cancelled")
    assert event["data"]["object"]["cancellation_reason"] == "duplicate"


async def test_cancel_without_a_body_has_no_reason(api: ApiClient) -> None:
    quote = await create_document(api, "quotes")

    cancelled = exact(await api.post(f"/v1/quotes/{quote['id']}/cancel"))

    assert (cancelled["status"], cancelled["cancellation_reason"]) == ("cancelled", None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "dup", "foo": 1}, "foo"),
        ({"reason": ""}, "reason"),
        ({"reason": "x" * 501}, "reason"),
        ({"reason": "a\x00b"}, "reason"),
        ({"reason": 5}, "reason"),
    ],
)
async def test_a_bad_cancel_body_is_refused_and_cancels_nothing(
    api: ApiClient, body: dict[str, object], field: str
) -> None:
    invoice = await create_document(api)

    response = await api.post(f"/v1/invoices/{invoice['id']}/cancel", json=body)

    error = assert_error(response, 422, "validation_error")
    assert [detail["field"] for detail in error["details"]] == [field]
    after = exact(await api.get(f"/v1/invoices/{invoice['id']}"))
    assert (after["status"], after["cancellation_reason"]) == (invoice["status"], None)
    assert await events(api, "invoice.cancelled") == []
