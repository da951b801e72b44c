"""The OpenAPI schema says what the server does: a field it offers null for takes null, a field it
does not is refused when null, and the values the server allows are listed."""

import re
from typing import Any

import pytest
from pydantic import ValidationError

from faktura.accounts.scopes import GRANTABLE_SCOPES
from faktura.api.schemas import InputModel
from faktura.app import create_app
from faktura.core.money import CURRENCIES
from faktura.core.types import POSITIVE_DECIMAL_STRING
from faktura.webhooks.catalog import ALL_EVENTS, EVENT_TYPES
from tests.accounts.factories import ApiClient
from tests.assertions import assert_error


def _input_models() -> list[type[InputModel]]:
    found: list[type[InputModel]] = []
    pending = list(InputModel.__subclasses__())
    while pending:
        model = pending.pop()
        found.append(model)
        pending.extend(model.__subclasses__())
    return sorted({m for m in found if m.model_fields}, key=lambda m: m.__qualname__)


def _allows_null(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "null" or any(
        option.get("type") == "null" for option in schema.get("anyOf", [])
    )


def _null_refused(model: type[InputModel], name: str, alias: str) -> bool:
    try:
        model.model_validate({alias: None})
    except ValidationError as exc:
        return any(tuple(e["loc"])[:1] in ((name,), (alias,)) for e in exc.errors())
    return False


FIELDS = [
    (model, name, field.alias or name)
    for model in _input_models()
    for name, field in model.model_fields.items()
]


@pytest.mark.parametrize(
    ("model", "name", "alias"), FIELDS, ids=[f"{m.__name__}.{n}" for m, n, _ in FIELDS]
)
def test_null_is_taken_exactly_where_the_schema_offers_it(
    model: type[InputModel], name: str, alias: str
) -> None:
    schema = model.model_json_schema(mode="validation")["properties"][alias]

    offered = _allows_null(schema)

    assert _null_refused(model, name, alias) is not offered
    if not offered:
        assert schema.get("default", "absent") is not None  # no `default: null` it would refuse


def test_some_settings_are_never_null() -> None:
    refused = {f"{m.__name__}.{n}" for m, n, a in FIELDS if _null_refused(m, n, a)}
    assert {
        "AccountUpdate.default_currency",
        "AccountUpdate.timezone",
        "AccountUpdate.numbering",
        "ContactUpdate.is_primary",
        "ContactUpdate.contact_name",
        "ContactUpdate.escalation_level",
        "CustomerUpdate.currency",
        "CustomerUpdate.tags",
        "SupplierUpdate.currency",
        "WebhookEndpointUpdate.url",
        "WebhookEndpointUpdate.events",
        "WebhookEndpointUpdate.is_active",
    } <= refused


async def test_a_null_setting_is_a_422_naming_it_and_changes_nothing(api: ApiClient) -> None:
    before = (await api.get("/v1/account")).json()

    response = await api.patch("/v1/account", json={"name": "Renamed", "default_currency": None})

    error = assert_error(response, 422, "validation_error")
    assert [d["field"] for d in error["details"]] == ["default_currency"]
    assert (await api.get("/v1/account")).json()["name"] == before["name"]


def _components() -> dict[str, Any]:
    schemas: dict[str, Any] = create_app().openapi()["components"]["schemas"]
    return schemas


def test_scopes_and_event_types_are_listed() -> None:
    schemas = _components()

    scopes = schemas["ApiKeyCreate"]["properties"]["scopes"]["items"]["enum"]
    events = schemas["WebhookEndpointCreate"]["properties"]["events"]["items"]["enum"]

    assert scopes == sorted(GRANTABLE_SCOPES)
    assert events == sorted(EVENT_TYPES | {ALL_EVENTS})
    assert schemas["WebhookEndpointUpdate"]["properties"]["events"]["items"]["enum"] == events


def test_positive_amounts_say_their_bounds() -> None:
    amount = _components()["PaymentCreate"]["properties"]["amount"]

    number, text = amount["anyOf"]

    assert (number["exclusiveMinimum"], number["exclusiveMaximum"]) == (0, 10**12)
    assert text["pattern"] == POSITIVE_DECIMAL_STRING
    positive = re.compile(POSITIVE_DECIMAL_STRING)
    assert [s for s in ("1", "0.01", "10", "00.5", "12.50") if not positive.fullmatch(s)] == []
    assert [s for s in ("0", "0.00", "-1", ".5", "1e5", "00") if positive.fullmatch(s)] == []


def test_patterns_and_codes_are_in_the_schema() -> None:
    schemas = _components()

    def string_of(model: str, field: str) -> dict[str, Any]:
        prop = schemas[model]["properties"][field]
        found: dict[str, Any] = next(
            (o for o in prop.get("anyOf", [prop]) if o.get("type") == "string"), {}
        )
        return found

    assert string_of("AccountUpdate", "locale")["pattern"] == r"^[a-z]{2,3}(-[A-Z]{2})?$"
    assert string_of("CustomerCreate", "locale")["pattern"] == r"^[a-z]{2,3}(-[A-Z]{2})?$"
    assert string_of("ItemCreate", "unit_code")["pattern"] == r"^[A-Z0-9]{2,3}$"
    assert string_of("NumberingRuleIn", "prefix")["pattern"] == r"^[A-Za-z0-9_/.-]+$"
    assert string_of("BrandingIn", "color")["pattern"] == r"^#[0-9A-Fa-f]{6}$"
    assert string_of("CustomerCreate", "currency")["enum"] == sorted(CURRENCIES)
    zone = re.compile(string_of("AccountUpdate", "timezone")["pattern"])
    assert all(zone.fullmatch(z) for z in ("UTC", "Etc/GMT+5", "America/Argentina/Buenos_Aires"))
    assert not any(zone.fullmatch(z) for z in ("", "/UTC", "Asia/"))


def _is_boolean(schema: dict[str, Any]) -> bool:
    return any(option.get("type") == "boolean" for option in schema.get("anyOf", [schema]))


BOOLEANS = [
    (model, name, alias)
    for model, name, alias in FIELDS
    if _is_boolean(model.model_json_schema(mode="validation")["properties"][alias])
]


@pytest.mark.parametrize(
    ("model", "name", "alias"), BOOLEANS, ids=[f"{m.__name__}.{n}" for m, n, _ in BOOLEANS]
)
@pytest.mark.parametrize("value", [0, 1, "true", "no"])
def test_a_boolean_is_true_or_false_only(
    model: type[InputModel], name: str, alias: str, value: object
) -> None:
    with pytest.raises(ValidationError) as refused:
        model.model_validate({alias: value})
    assert any(tuple(e["loc"])[:1] == (alias,) for e in refused.value.errors())


def test_booleans_were_found() -> None:
    assert {f"{m.__name__}.{n}" for m, n, _ in BOOLEANS} >= {
        "ItemCreate.active",
        "ItemUpdate.active",
        "WebhookEndpointUpdate.is_active",
        "PaymentCreate.reviewed",
        "ContactIn.is_primary",
        "AccountUpdate.issue_receipts",
    }


def test_a_catalog_price_says_its_bounds() -> None:
    number, text = _components()["ItemCreate"]["properties"]["unit_price"]["anyOf"]

    assert (number["minimum"], number["exclusiveMaximum"]) == (0, 10**12)
    assert text["pattern"] == r"^\d+(\.\d+)?$"
