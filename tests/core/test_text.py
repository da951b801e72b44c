"""Control characters in request strings: refused with 422 naming the field, the same on SQLite
and PostgreSQL (which cannot store NUL at all), before anything is written. Tab and line breaks
are text in free-text fields (notes, descriptions) and refused in one-line ones (names)."""

from typing import Any

import pytest

from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.customers.factories import create_customer, customer_body
from tests.documents.factories import ISSUE_DATE, line

ONE_LINE = "must not contain control characters ({})"
FREE_TEXT = "must not contain control characters other than tab and line breaks ({})"


def invoice_body(customer_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "issue_date": ISSUE_DATE,
        "line_items": [line()],
        **overrides,
    }


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (customer_body(company_name="Acme\x00 Ltd"), "company_name", ONE_LINE.format("U+0000")),
        (customer_body(company_name="Acme\nLtd"), "company_name", ONE_LINE.format("U+000A")),
        (customer_body(notes="first\x07"), "notes", FREE_TEXT.format("U+0007")),
        (customer_body(metadata={"erp": "A\x00"}), "metadata.erp", ONE_LINE.format("U+0000")),
        (customer_body(address={"city": "Haifa\x1b"}), "address.city", ONE_LINE.format("U+001B")),
        (customer_body(tax_id="\x7f"), "tax_id", ONE_LINE.format("U+007F")),
    ],
)
async def test_a_customer_with_a_control_character_is_422_and_not_written(
    api: ApiClient, body: dict[str, Any], field: str, message: str
) -> None:
    response = await api.post("/v1/customers", json=body)

    error = assert_error(response, 422, "validation_error")
    assert error["details"] == [{"field": field, "message": message}]
    assert (await api.get("/v1/customers")).json()["total"] == 0


async def test_a_metadata_key_with_nul_is_422(api: ApiClient) -> None:
    response = await api.post("/v1/customers", json=customer_body(metadata={"e\x00rp": "A"}))

    error = assert_error(response, 422, "validation_error")
    assert [d["message"] for d in error["details"]] == [ONE_LINE.format("U+0000")]
    assert (await api.get("/v1/customers")).json()["total"] == 0


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"line_items": [line(description="Work\x00")]}, "line_items[0].description",
         FREE_TEXT.format("U+0000")),
        ({"notes": "Thanks\x0b!"}, "notes", FREE_TEXT.format("U+000B")),
        ({"number": "INV\x00-1"}, "number", ONE_LINE.format("U+0000")),
        ({"line_items": [line(unit="h\x00")]}, "line_items[0].unit", ONE_LINE.format("U+0000")),
    ],
)  # fmt: skip
async def test_a_document_with_a_control_character_is_422_and_not_written(
    api: ApiClient, overrides: dict[str, Any], field: str, message: str
) -> None:
    customer = await create_customer(api)

    response = await api.post("/v1/invoices", json=invoice_body(customer["id"], **overrides))

    error = assert_error(response, 422, "validation_error")
    assert error["details"] == [{"field": field, "message": message}]
    assert (await api.get("/v1/invoices")).json()["total"] == 0


async def test_tab_and_line_breaks_are_kept_in_free_text(api: ApiClient) -> None:
    customer = await create_customer(api, notes="Line one\r\n\tLine two")
    notes = "Paid by wire.\nThank you!"

    response = await api.post("/v1/invoices", json=invoice_body(customer["id"], notes=notes))

    assert response.status_code == 201, response.text
    assert response.json()["notes"] == notes
    assert customer["notes"] == "Line one\r\n\tLine two"


async def test_an_update_with_a_control_character_changes_nothing(api: ApiClient) -> None:
    customer = await create_customer(api, company_name="Globex")

    response = await api.patch(f"/v1/customers/{customer['id']}", json={"company_name": "G\x00"})

    error = assert_error(response, 422, "validation_error")
    assert error["details"] == [{"field": "company_name", "message": ONE_LINE.format("U+0000")}]
    after = await api.get(f"/v1/customers/{customer['id']}")
    assert after.json()["company_name"] == "Globex"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/customers?search=a%00b", "search"),
        ("/v1/customers?external_id=%00", "external_id"),
        ("/v1/customers?tag=vip%00", "tag"),
        ("/v1/suppliers?search=%00", "search"),
        ("/v1/invoices?number=INV%00", "number"),
        ("/v1/invoices?search=%00", "search"),
        ("/v1/documents?status=paid%00", "status[0]"),
        ("/v1/items?search=%00", "search"),
        ("/v1/events?type=invoice.paid%00", "type"),
    ],
)
async def test_a_query_filter_with_nul_is_422(api: ApiClient, path: str, field: str) -> None:
    response = await api.get(path)

    error = assert_error(response, 422, "validation_error")
    assert error["details"] == [{"field": field, "message": ONE_LINE.format("U+0000")}]
