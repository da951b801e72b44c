"""A loopback AADE per test, AADE's schemas from the validation kit beside the project
(../shared/validation/mydata; CI always has it), and a Greek seller that clears there."""

from collections.abc import Iterator
from typing import Any

import pytest
from lxml import etree

from tests.accounts.factories import ApiClient
from tests.clearance import fake_aade, fake_ita
from tests.clearance.fake_aade import KEY, USER, XSD, FakeAade
from tests.clearance.fake_ita import FakeIta
from tests.customers.factories import create_customer
from tests.listeners import http_server, url_of

RATES = [
    {"name": "Standard", "rate": "24", "category": "S"},
    {"name": "Reduced", "rate": "13", "category": "S"},
    {"name": "Exempt", "rate": "0", "category": "E"},
]


@pytest.fixture(scope="session")
def aade_schemas() -> tuple[etree.XMLSchema, etree.XMLSchema]:
    if not (XSD / "InvoicesDoc-v2.0.1.xsd").exists():
        pytest.skip(f"AADE's schemas are not at {XSD}")
    return (
        etree.XMLSchema(etree.parse(str(XSD / "InvoicesDoc-v2.0.1.xsd"))),
        etree.XMLSchema(etree.parse(str(XSD / "response-v2.0.1.xsd"))),
    )


@pytest.fixture
def aade(aade_schemas: tuple[etree.XMLSchema, etree.XMLSchema]) -> Iterator[FakeAade]:
    fake = FakeAade(*aade_schemas)
    with http_server(fake_aade.handler(fake)) as server:
        fake.url = url_of(server)
        yield fake


@pytest.fixture
def ita() -> Iterator[FakeIta]:
    fake = FakeIta()
    with http_server(fake_ita.handler(fake)) as server:
        fake.url = url_of(server)
        yield fake


async def greek_seller(api: ApiClient, aade: FakeAade, **clearance: Any) -> dict[str, str]:
    """The account as a Greek company clearing at the fake AADE; its rates' ids by name."""
    response = await api.patch(
        "/v1/account",
        json={
            "legal_name": "Ακμή Α.Ε.",
            "tax_id": "EL094019245",
            "address": {"street": "Ερμού 10", "city": "Αθήνα", "zip": "10563", "country": "GR"},
            "default_currency": "EUR",
            "vat_rates": RATES,
            "locale": "el-GR",
        },
    )
    assert response.status_code == 200, response.text
    settings = {
        "provider": "mydata",
        "environment": "sandbox",
        "base_url": aade.url,
        "credentials": {"user_id": USER, "subscription_key": KEY},
        **clearance,
    }
    put = await api.put("/v1/account/clearance", json=settings)
    assert put.status_code == 200, put.text
    return {rate["name"]: rate["id"] for rate in response.json()["vat_rates"]}


async def greek_buyer(api: ApiClient, **overrides: Any) -> str:
    customer = await create_customer(
        api,
        company_name="Βήτα Ο.Ε.",
        tax_id="EL094014201",
        address={"street": "Τσιμισκή 5", "city": "Θεσσαλονίκη", "zip": "54624", "country": "GR"},
        **overrides,
    )
    return str(customer["id"])
