"""`faktura serve` delivers webhooks by itself: the worker starts and stops with the app."""

import asyncio

import httpx

from faktura.app import create_app
from faktura.config import Settings
from tests.accounts.factories import create_account_with_key
from tests.customers.factories import create_customer
from tests.webhooks.factories import create_endpoint
from tests.webhooks.receiver import Receiver


async def test_the_server_runs_a_worker(hooks_settings: Settings, receiver: Receiver) -> None:
    settings = hooks_settings.model_copy(
        update={
            "worker_in_process": True,
            "worker_poll_seconds": 0.05,
            "scheduler_interval_seconds": 0,
        }
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://faktura.test") as client,
        ):
            api = await create_account_with_key(app.state.runtime.db, client)
            await create_endpoint(api, receiver.url(), events=["customer.created"])
            await create_customer(api)
            # The server's own worker sends it while this waits off the event loop.
            received = await asyncio.to_thread(receiver.wait_for, 1, 10)
            endpoints = (await api.get("/v1/webhook_endpoints")).json()["data"]
            for endpoint in endpoints:
                await api.patch(
                    f"/v1/webhook_endpoints/{endpoint['id']}", json={"is_active": False}
                )
    finally:
        await app.state.runtime.db.dispose()

    [request] = received
    assert request.headers["webhook-signature"].startswith("v1,")
    assert len(receiver.requests) == 1
