"""Checks a JSON value against a schema of the OpenAPI document, its `$ref`s resolved in it."""

from decimal import Decimal
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

_DOCUMENT_URI = "urn:faktura:openapi"

# Money is parsed exactly, so a number in a response may be a Decimal: that is a JSON number.
_Validator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine(
        "number",
        lambda _, value: isinstance(value, int | float | Decimal) and not isinstance(value, bool),
    ),
)


def schema_error(document: dict[str, Any], schema: dict[str, Any], value: Any) -> str | None:
    """None when `value` is valid against `schema` (whose `#/components/…` references point
    into `document`), else where and why it is not."""
    contents = {**document, "$id": _DOCUMENT_URI, "x-checked": schema}
    resource = Resource.from_contents(contents, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(_DOCUMENT_URI, resource)
    validator = _Validator({"$ref": f"{_DOCUMENT_URI}#/x-checked"}, registry=registry)
    error = best_match(validator.iter_errors(value))
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path) or "(the value)"
    return f"{where}: {error.message[:500]}"
