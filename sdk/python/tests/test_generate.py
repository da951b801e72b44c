"""The generator follows the document: renamed schemas, new enums, resources and operations
come out as code that imports and works, without a change to the generator."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import generate
import httpx

from tests.server import FakturaServer

PROBE = """
import faktura_sdk
from faktura_sdk import models
from faktura_sdk.resources import OPERATIONS
client = faktura_sdk.Faktura("fk_test_x")
assert not hasattr(models, "DocumentStatus")
assert models.DocumentLifecycle.PAID == "paid"
assert models.Weekday.MONDAY == "monday"
assert models.Customer.model_fields["preferred_day"].is_required() is False
assert callable(client.invoices.remind)
assert callable(client.widgets.list)
assert callable(client.invoices.cancel_invoice) and callable(client.invoices.cancel_of_invoice)
assert OPERATIONS["remind_invoice"] == ("POST", "/v1/invoices/{document_id}/remind")
import httpx, json
sent = []
def answer(request):
    sent.append(request)
    return httpx.Response(202)
http = httpx.Client(transport=httpx.MockTransport(answer))
mocked = faktura_sdk.Faktura("fk_test_x", http_client=http)
assert mocked.widgets.create(body=[1, "two"]) is None
assert json.loads(sent[0].content) == [1, "two"]
print("ok")
"""


def changed(document: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(document).replace(
        "#/components/schemas/DocumentStatus", "#/components/schemas/DocumentLifecycle"
    )
    changed: dict[str, Any] = json.loads(text)
    schemas = changed["components"]["schemas"]
    schemas["DocumentLifecycle"] = schemas.pop("DocumentStatus")
    schemas["Weekday"] = {"type": "string", "enum": ["monday", "tuesday"]}
    schemas["Customer"]["properties"]["preferred_day"] = {
        "anyOf": [{"$ref": "#/components/schemas/Weekday"}, {"type": "null"}]
    }
    paths = changed["paths"]
    finalize = copy.deepcopy(paths["/v1/invoices/{document_id}/finalize"]["post"])
    paths["/v1/invoices/{document_id}/remind"] = {
        "post": {**finalize, "operationId": "remind_invoice"}
    }
    paths["/v1/invoices/{document_id}/cancel_of"] = {
        "post": {**copy.deepcopy(finalize), "operationId": "cancel_of_invoice"}
    }
    list_tags = copy.deepcopy(paths["/v1/tags"]["get"])
    paths["/v1/widgets"] = {
        "get": {**list_tags, "operationId": "list_widgets"},
        "post": {  # a body that is an array, not an object's fields
            "operationId": "create_widgets",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"type": "array", "items": {}}}},
            },
            "responses": {"202": {"description": "Accepted"}},
        },
    }
    return changed


def test_a_changed_document_generates_working_code(server: FakturaServer, tmp_path: Path) -> None:
    document = httpx.get(f"{server.base_url}/openapi.json", timeout=30).json()
    files = generate.generate(changed(document))

    package = tmp_path / "faktura_sdk"
    shutil.copytree(generate.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    for path, text in files.items():
        (package / path.name).write_text(text)
    probe = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={"PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "ok"
