"""The OpenAPI document's examples are real: the tour (example_tour.py) sends each request
example and gets each response example, and every answer matches its schema.

`make openapi-examples` (FAKTURA_WRITE_EXAMPLES=1) writes src/faktura/api/examples.json from
the tour instead of comparing.
"""

import hashlib
import json
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import count
from typing import Any

import pytest
import simplejson

from faktura.api.openapi import EXAMPLES_PATH
from faktura.core.clock import set_clock
from tests import declared
from tests.accounts.factories import ApiClient
from tests.api.documented import schema_error
from tests.api.example_tour import TOUR, Call, Recorder

# Operations without a JSON example, and why.
NO_EXAMPLE = {
    "metrics": "answers Prometheus text",
    "pdf_of_invoice": "answers a PDF",
    "pdf_of_quote": "answers a PDF",
    "pdf_of_credit_note": "answers a PDF",
    "pdf_of_receipt": "answers a PDF",
    "preview_branding": "answers a PDF",
    "einvoice_of_invoice": "answers XML or a PDF",
    "einvoice_of_credit_note": "answers XML or a PDF",
    "retry_clearance_of_invoice": "needs a tax authority that refused the document",
    "retry_clearance_of_credit_note": "needs a tax authority that refused the document",
}


def _matcher(spec: dict[str, Any]) -> Any:
    known = declared.operations(spec)

    def operation_of(method: str, path: str) -> str | None:
        return next(
            (o.operation_id for o in known if o.method == method and o.pattern.match(path)), None
        )

    return operation_of


# What differs from one run to the next, each replaced by a stable stand-in, numbered in order
# of first appearance.
_VARIABLE: list[tuple[re.Pattern[str], Any]] = [
    (
        re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}"),
        lambda n, m: f"0193f1c4-7a2e-7{n:03x}-9c4b-{n:012x}",
    ),
    (re.compile(r"\b([a-z]+)_[0-9a-f]{32}\b"), lambda n, m: f"{m.group(1)}_{n:032x}"),
    (re.compile(r"fk_(test|live)_[A-Za-z0-9]{32}"), lambda n, m: f"fk_test_Ex4mple{n:024d}"),
    (re.compile(r"fk_(test|live)_\w{4}…\w{4}"), lambda n, m: f"fk_test_Ex4m…{n:04d}"),
    (re.compile(r"whsec_[A-Za-z0-9+/=]{20,}"), lambda n, m: f"whsec_ExampleSecret{n:025d}="),
    (re.compile(r"req_[0-9a-f]{24}"), lambda n, m: f"req_{n:024x}"),
    # A PDF's size: the renderer's own business, it changes when a font or the engine does.
    (re.compile(r'"size": \d{4,}'), lambda n, m: f'"size": {18000 + n}'),
    (re.compile(r"state=[A-Za-z0-9_-]{43}"), lambda n, m: f"state=ExampleState{n:025d}"),
    (re.compile(r"/pay/[A-Za-z0-9_-]{43}"), lambda n, m: f"/pay/ExamplePaymentLinkToken{n:016d}"),
    (
        re.compile(r"\b[0-9a-f]{64}\b"),
        lambda n, m: hashlib.sha256(f"example {n}".encode()).hexdigest(),
    ),
]


def _replace_each(pattern: re.Pattern[str], stand_in: Any, text: str) -> str:
    seen: dict[str, str] = {}
    numbers: Iterator[int] = count(1)

    def replace(match: re.Match[str]) -> str:
        if match.group(0) not in seen:
            seen[match.group(0)] = stand_in(next(numbers), match)
        return seen[match.group(0)]

    return pattern.sub(replace, text)


def _stable(calls: dict[str, Call]) -> dict[str, Any]:
    """The calls as the document shows them: JSON, each variable part replaced."""
    examples = {
        c.operation_id: {
            **({"request": c.request} if c.request is not None else {}),
            "response": {"status": c.status, "body": c.response},
        }
        for c in calls.values()
        if c.response is not None
    }
    text = simplejson.dumps(examples, use_decimal=True, ensure_ascii=False)
    for pattern, stand_in in _VARIABLE:
        text = _replace_each(pattern, stand_in, text)
    stable: dict[str, Any] = json.loads(text)
    return dict(sorted(stable.items()))


def _write(examples: dict[str, Any]) -> None:
    text = json.dumps(examples, indent=2, ensure_ascii=False) + "\n"
    EXAMPLES_PATH.write_text(text, encoding="utf-8")


def _committed() -> dict[str, Any]:
    committed: dict[str, Any] = json.loads(EXAMPLES_PATH.read_text(encoding="utf-8"))
    return committed


@pytest.fixture
def clock_at_example_time() -> Iterator[None]:
    now = datetime(2026, 11, 23, 10, 15, tzinfo=UTC)
    set_clock(lambda: now)
    yield
    set_clock(None)


async def test_the_examples_are_what_the_api_takes_and_answers(
    clock_at_example_time: None, api: ApiClient
) -> None:
    spec = (await api.http.get("/openapi.json")).json()
    recorder = Recorder(api, _matcher(spec))
    ids: dict[str, Any] = {}
    for step in TOUR:
        await step(recorder, ids)
    examples = _stable(recorder.calls)

    if os.environ.get("FAKTURA_WRITE_EXAMPLES"):
        _write(examples)
    committed = _committed()
    every = {o["operationId"] for methods in spec["paths"].values() for o in methods.values()}
    assert sorted(every - set(examples)) == sorted(NO_EXAMPLE)
    assert committed == examples, "run `make openapi-examples` and review the diff"


async def test_every_example_matches_its_schema(http: Any) -> None:
    spec = (await http.get("/openapi.json")).json()
    wrong = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            where = f"{method.upper()} {path}"
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None and "example" in body:
                error = schema_error(spec, body["schema"], body["example"])
                wrong += [f"{where} request: {error}"] if error else []
            for status, response in operation["responses"].items():
                content = response.get("content", {}).get("application/json", {})
                if "example" in content:
                    error = schema_error(spec, content["schema"], content["example"])
                    wrong += [f"{where} {status}: {error}"] if error else []
    assert wrong == []
