"""The OpenAPI schema says what the server does: a field it offers null for takes null, a field it
does not is refused when null, and the values the server allows are listed."""

import re
from typing import Any

import pytest
from pydantic import ValidationError

from faktura.accounts.scopes import GRANTABLE_SCOPES
from faktura.api.errors import STATUS_CODES
from faktura.api.schemas import InputModel
from faktura.app import create_app
from faktura.core.errors import ERROR_CODES, FakturaError
from faktura.core.money import CURRENCIES
from faktura.core.types import POSITIVE_DECIMAL_STRING
from faktura.documents.status import ALL_STATUSES
from faktura.events.catalog import EVENT_TYPES
from faktura.webhooks.catalog import ALL_EVENTS
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


def _resolved(schemas: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return {**schemas[schema["$ref"].rsplit("/", 1)[1]], **schema}
    return schema


def test_scopes_and_event_types_are_listed() -> None:
    schemas = _components()

    scopes = schemas["ApiKeyCreate"]["properties"]["scopes"]["items"]["enum"]
    events = schemas["WebhookEndpointCreate"]["properties"]["events"]["items"]
    updated = schemas["WebhookEndpointUpdate"]["properties"]["events"]["items"]

    assert scopes == sorted(GRANTABLE_SCOPES)
    assert events == updated == {"$ref": "#/components/schemas/EventSubscription"}
    assert schemas["EventSubscription"]["enum"] == sorted(EVENT_TYPES | {ALL_EVENTS})
    assert schemas["EventType"]["enum"] == sorted(EVENT_TYPES)
    assert schemas["Event"]["properties"]["type"]["$ref"] == "#/components/schemas/EventType"


def _error_classes() -> set[type[FakturaError]]:
    found, pending = set(), [FakturaError]
    while pending:
        cls = pending.pop()
        found.add(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_error_codes_are_one_named_enum_of_every_code_answered() -> None:
    schemas = _components()

    codes = schemas["ErrorCode"]["enum"]

    assert schemas["ErrorObject"]["properties"]["code"]["$ref"] == "#/components/schemas/ErrorCode"
    assert codes == sorted(ERROR_CODES)
    assert {cls.code for cls in _error_classes()} | set(STATUS_CODES.values()) == set(codes)


# Values shared by many fields and parameters, each published once for generated clients.
NAMED = {
    "DocumentType": ["credit_note", "invoice", "quote", "receipt"],
    "DocumentStatus": sorted(ALL_STATUSES),
    "VatType": ["excluded", "exempt", "included"],
    "PhoneType": ["fax", "home", "mobile", "office", "other", "work"],
    "Currency": sorted(CURRENCIES),
}


def _enums(node: Any, path: str = "") -> list[tuple[str, list[Any]]]:
    if isinstance(node, list):
        return [found for i, item in enumerate(node) for found in _enums(item, f"{path}[{i}]")]
    if not isinstance(node, dict):
        return []
    own = [(path, sorted(node["enum"]))] if "enum" in node else []
    return own + [found for k, v in node.items() for found in _enums(v, f"{path}/{k}")]


def test_shared_values_are_one_named_schema_used_everywhere() -> None:
    document = create_app().openapi()
    schemas = document["components"]["schemas"]

    inline = [(path, values) for path, values in _enums(document) if values in NAMED.values()]

    assert {name: schemas[name]["enum"] for name in NAMED} == NAMED
    assert sorted(path for path, _ in inline) == sorted(f"/components/schemas/{n}" for n in NAMED)
    document_schema = schemas["Document"]["properties"]
    assert document_schema["status"]["$ref"] == "#/components/schemas/DocumentStatus"
    assert document_schema["vat_type"]["$ref"] == "#/components/schemas/VatType"


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
            (o for o in prop.get("anyOf", [prop]) if o.get("type") == "string" or "$ref" in o),
            {},
        )
        return found

    assert string_of("AccountUpdate", "locale")["pattern"] == r"^[a-z]{2,3}(-[A-Z]{2})?$"
    assert string_of("CustomerCreate", "locale")["pattern"] == r"^[a-z]{2,3}(-[A-Z]{2})?$"
    assert string_of("ItemCreate", "unit_code")["pattern"] == r"^[A-Z0-9]{2,3}$"
    assert string_of("NumberingRuleIn", "prefix")["pattern"] == r"^[A-Za-z0-9_/.-]+$"
    assert string_of("BrandingIn", "color")["pattern"] == r"^#[0-9A-Fa-f]{6}$"
    assert _resolved(schemas, string_of("CustomerCreate", "currency"))["enum"] == sorted(CURRENCIES)
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
