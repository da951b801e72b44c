"""Tax ids are checked for their country where python-stdnum knows a check."""

import pytest

from faktura.customers.tax_ids import InvalidTaxId, check_tax_id
from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.customers.factories import create_customer, customer_body, events

VALID = [
    ("516179157", "IL"),  # company number (ח.פ.)
    ("039337423", "IL"),  # personal id (ת.ז.) of a sole trader
    ("094259216", "GR"),  # ΑΦΜ
    ("EL094259216", "GR"),  # the same as an EU VAT number: Greece is EL
    ("EL094259216", None),
    ("DE136695976", "DE"),
    ("DE 136 695 976", None),
    ("136695976", "DE"),
    ("04-2103594", "US"),  # EIN
    ("GB980780684", "GB"),
    ("T-1234", "JP"),  # no check known: kept as given
    ("anything", None),
]
INVALID = [
    ("516179158", "IL", "'516179158' is not a valid tax id for IL"),
    ("094259217", "GR", "'094259217' is not a valid tax id for GR"),
    ("EL094259217", "GR", "'EL094259217' is not a valid EU VAT number"),
    ("EL094259217", None, "'EL094259217' is not a valid EU VAT number"),
    ("DE136695977", "DE", "'DE136695977' is not a valid EU VAT number"),
    ("136695977", "DE", "'136695977' is not a valid tax id for DE"),
    ("00-2103594", "US", "'00-2103594' is not a valid tax id for US"),
]


@pytest.mark.parametrize(("number", "country"), VALID)
def test_valid_numbers_pass(number: str, country: str | None) -> None:
    check_tax_id(number, country)


@pytest.mark.parametrize(("number", "country", "message"), INVALID)
def test_invalid_numbers_fail(number: str, country: str | None, message: str) -> None:
    with pytest.raises(InvalidTaxId) as raised:
        check_tax_id(number, country)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("number", "country"),
    [("516179157", "IL"), ("094259216", "GR"), ("EL094259216", "GR"), ("DE136695976", "DE")],
)
async def test_a_valid_tax_id_is_kept_as_given(api: ApiClient, number: str, country: str) -> None:
    customer = await create_customer(api, tax_id=number, address={"country": country})

    assert customer["tax_id"] == number


@pytest.mark.parametrize(("number", "country", "message"), INVALID)
async def test_an_invalid_tax_id_is_422_naming_the_field(
    api: ApiClient, number: str, country: str | None, message: str
) -> None:
    address = {"country": country} if country else None
    response = await api.post("/v1/customers", json=customer_body(tax_id=number, address=address))

    error = assert_error(response, 422, "validation_error")
    assert error["details"] == [{"field": "tax_id", "message": message}]
    assert (await api.get("/v1/customers")).json()["total"] == 0
    assert await events(api) == []


async def test_a_tax_id_is_checked_again_when_the_country_changes(api: ApiClient) -> None:
    customer = await create_customer(api, tax_id="516179157", address={"country": "IL"})
    path = f"/v1/customers/{customer['id']}"

    moved = await api.patch(path, json={"address": {"country": "GR"}})
    fixed = await api.patch(path, json={"address": {"country": "GR"}, "tax_id": "094259216"})

    error = assert_error(moved, 422, "validation_error")
    assert error["details"] == [
        {"field": "tax_id", "message": "'516179157' is not a valid tax id for GR"}
    ]
    assert fixed.status_code == 200
    assert (fixed.json()["tax_id"], fixed.json()["address"]["country"]) == ("094259216", "GR")


async def test_suppliers_tax_ids_are_checked_too(api: ApiClient) -> None:
    response = await api.post("/v1/suppliers", json={"name": "Parts AE", "tax_id": "EL094259217"})

    error = assert_error(response, 422, "validation_error")
    assert [d["field"] for d in error["details"]] == ["tax_id"]
