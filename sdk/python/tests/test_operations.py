"""Every operation of the OpenAPI document, called through the SDK against the live server."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from faktura_sdk import AsyncFaktura, Faktura
from faktura_sdk.resources import OPERATIONS
from tests.operations import OperationRecorder
from tests.receiver import Receiver
from tests.scenario import EXPECTED_ERRORS, async_scenario, sync_scenario
from tests.server import Credentials, FakturaServer


def test_every_operation_of_the_document_is_called(
    server: FakturaServer, account: Credentials
) -> None:
    document: dict[str, Any] = httpx.get(f"{server.base_url}/openapi.json", timeout=30).json()
    recorder = OperationRecorder(document)
    assert len(recorder.operation_ids) == len(recorder.routes)  # operationIds are unique

    with (
        httpx.Client(event_hooks={"response": [recorder.hook]}) as http,
        Faktura(account.api_key, server.base_url, http_client=http) as client,
        Receiver() as receiver,
    ):
        sync_scenario(client, receiver)

    async def run_async() -> None:
        async with (
            httpx.AsyncClient(event_hooks={"response": [recorder.async_hook]}) as http,
            AsyncFaktura(account.api_key, server.base_url, http_client=http) as client,
        ):
            await async_scenario(client)

    asyncio.run(run_async())

    called = set(recorder.statuses)
    assert called == recorder.operation_ids, sorted(recorder.operation_ids - called)
    failed = recorder.operation_ids - recorder.succeeded()
    assert failed == set(EXPECTED_ERRORS)
    for operation_id in EXPECTED_ERRORS:
        assert set(recorder.statuses[operation_id]) == {409}


def test_the_sdk_has_a_method_for_each_operation_of_the_served_document(
    server: FakturaServer,
) -> None:
    document: dict[str, Any] = httpx.get(f"{server.base_url}/openapi.json", timeout=30).json()
    served = {
        op["operationId"]: (method.upper(), path)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and "operationId" in op
    }
    assert served == OPERATIONS
