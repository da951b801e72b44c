"""Delivery to a real HTTP receiver on 127.0.0.1, verified with the `standardwebhooks` package."""

import json
from datetime import datetime, timedelta

from standardwebhooks import Webhook, WebhookVerificationError

from faktura.config import Settings
from faktura.db.session import Database
from faktura.webhooks.delivery import MAX_ATTEMPTS, RETRY_DELAYS
from faktura.worker.runner import JobWorker
from tests.accounts.factories import ApiClient
from tests.customers.factories import create_customer, events
from tests.webhooks.factories import create_endpoint, deliveries
from tests.webhooks.receiver import Receiver, Reply


def _verified(secret: str, request_headers: dict[str, str], body: bytes) -> dict[str, object]:
    payload: dict[str, object] = Webhook(secret).verify(body, request_headers)
    return payload


async def test_a_committed_event_arrives_signed(
    hooks_api: ApiClient, receiver: Receiver, worker: JobWorker
) -> None:
    endpoint = await create_endpoint(hooks_api, receiver.url(), events=["customer.created"])
    customer = await create_customer(hooks_api)

    await worker.run_once()

    [request] = receiver.wait_for(1)
    [event] = await events(hooks_api, "customer.created")
    payload = _verified(endpoint["secret"], request.headers, request.body)
    shown = (await hooks_api.get(f"/v1/events/{event['id']}")).json()
    assert payload == shown  # the body is the event exactly as the API shows it
    assert set(payload) == {
        "id",
        "object",
        "type",
        "object_type",
        "object_id",
        "data",
        "livemode",
        "request_id",
        "created_at",
    }
    assert payload["type"] == "customer.created"
    assert payload["object_id"] == customer["id"]
    assert payload["livemode"] is False
    assert payload["data"]["object"]["id"] == customer["id"]  # type: ignore[index]
    assert request.webhook_id == event["id"]
    assert request.headers["user-agent"].startswith("Faktura-Webhooks/")
    assert request.headers["content-type"] == "application/json"
    assert request.path == "/hooks"
    [delivery] = await deliveries(hooks_api, endpoint["id"])
    assert delivery["status"] == "delivered"
    assert delivery["event_id"] == event["id"]
    assert delivery["attempt_count"] == 1
    [attempt] = delivery["attempts"]
    assert attempt["status_code"] == 200
    assert attempt["response_body"] == "ok"
    assert attempt["error"] is None
    assert attempt["duration_ms"] >= 0


async def test_a_tampered_body_does_not_verify(
    hooks_api: ApiClient, receiver: Receiver, worker: JobWorker
) -> None:
    endpoint = await create_endpoint(hooks_api, receiver.url(), events=["customer.created"])
    await create_customer(hooks_api)
    await worker.run_once()
    [request] = receiver.wait_for(1)

    tampered = request.body.replace(b"Globex", b"Globez")

    try:
        Webhook(endpoint["secret"]).verify(tampered, request.headers)
    except WebhookVerificationError:
        pass
    else:
        raise AssertionError("a changed body verified")


async def test_each_endpoint_gets_the_events_it_subscribed_to(
    hooks_api: ApiClient, receiver: Receiver, worker: JobWorker
) -> None:
    customers = await create_endpoint(
        hooks_api, receiver.url("/customers"), events=["customer.created"]
    )
    items = await create_endpoint(hooks_api, receiver.url("/items"), events=["item.created"])
    everything = await create_endpoint(hooks_api, receiver.url("/all"), events=["*"])
    since = len(await events(hooks_api))

    await create_customer(hooks_api)
    item = await hooks_api.post("/v1/items", json={"name": "Hour", "unit_price": "10"})
    assert item.status_code == 201
    await worker.run_once()

    new_events = (await events(hooks_api))[since:]
    receiver.wait_for(len(new_events) + 2)
    by_path: dict[str, list[str]] = {}
    for request in receiver.requests:
        by_path.setdefault(request.path, []).append(json.loads(request.body)["type"])
    assert sorted(by_path["/customers"]) == ["customer.created"]
    assert sorted(by_path["/items"]) == ["item.created"]
    assert sorted(by_path["/all"]) == sorted(e["type"] for e in new_events)
    assert len(receiver.requests) == len(new_events) + 2
    assert {d["status"] for d in await deliveries(hooks_api, everything["id"])} == {"delivered"}
    assert len(await deliveries(hooks_api, customers["id"])) == 1
    assert len(await deliveries(hooks_api, items["id"])) == 1


async def test_an_inactive_endpoint_gets_nothing(
    hooks_api: ApiClient, receiver: Receiver, worker: JobWorker
) -> None:
    inactive = await create_endpoint(hooks_api, receiver.url(), is_active=False)
    paused = await create_endpoint(hooks_api, receiver.url())
    await create_customer(hooks_api)  # queued for `paused` while it is active …
    assert {d["status"] for d in await deliveries(hooks_api, paused["id"])} == {"pending"}
    response = await hooks_api.patch(
        f"/v1/webhook_endpoints/{paused['id']}", json={"is_active": False}
    )
    assert response.status_code == 200

    await create_customer(hooks_api)
    await worker.run_once()

    assert receiver.wait_for(1, timeout=0.3) == []
    assert await deliveries(hooks_api, inactive["id"]) == []
    paused_deliveries = await deliveries(hooks_api, paused["id"])
    assert {d["status"] for d in paused_deliveries} == {"failed"}  # … and dropped when paused
    assert {d["last_error"] for d in paused_deliveries} == {"The endpoint was disabled"}
    assert all(d["attempts"] == [] for d in paused_deliveries)


async def test_failures_are_retried_with_growing_waits(
    hooks_api: ApiClient, receiver: Receiver, worker: JobWorker, clock: list[datetime]
) -> None:
    receiver.replies = [Reply(500, body=b"boom"), Reply(500, body=b"boom again")]
    endpoint = await create_endpoint(hooks_api, receiver.url(), events=["customer.created"])
    await create_customer(hooks_api)

    await worker.run_once()  # attempt 1: 500
    [first] = await deliveries(hooks_api, endpoint["id"])
    first_wait = datetime.fromisoformat(first["next_attempt_at"]) - clock[0]
    clock[0] += first_wait - timedelta(milliseconds=1)
    await worker.run_once()  # not yet due
    assert len(receiver.requests) == 1
    clock[0] += timedelta(milliseconds=1)
    await worker.run_once()  # attempt 2: 500
    [second] = await deliveries(hooks_api, endpoint["id"])
    second_wait = datetime.fromisoformat(second["next_attempt_at"]) - clock[0]
    clock[0] += second_wait
    await worker.run_once()  # attempt 3: 200

    requests = receiver.wait_for(3)
    [delivery] = await deliveries(hooks_api, endpoint["id"])
    assert len(requests) == 3
    assert len({r.webhook_id for r in requests}) == 1
    assert delivery["status"] == "delivered"
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 500, 200]
    assert [a["attempt_number"] for a in delivery["attempts"]] == [1, 2, 3]
    assert delivery["attempts"][0]["response_body"] == "boom"
    assert first["status"] == second["status"] == "pending"
    assert timedelta(seconds=4.5) <= first_wait <= timedelta(seconds=5.5)
    assert timedelta(minutes=4.5) <= second_wait <= timedelta(minutes=5.5)
    attempted = [datetime.fromisoformat(a["attempted_at"]) for a in delivery["attempts"]]
    assert attempted[1] - attempted[0] == first_wait
    assert attempted[2] - attempted[1] == second_wait


async def test_retry_after_is_honoured(
    hooks_api: ApiClient, receiver: Receiver, worker: JobWorker, clock: list[datetime]
) -> None:
    receiver.replies = [Reply(429, headers={"Retry-After": "120"})]
    endpoint = await create_endpoint(hooks_api, receiver.url(), events=["customer.created"])
    await create_customer(hooks_api)

    await worker.run_once()

    [delivery] = await deliveries(hooks_api, endpoint["id"])
    assert datetime.fromisoformat(delivery["next_attempt_at"]) - clock[0] == timedelta(seconds=120)
    assert delivery["last_status_code"] == 429


async def test_410_disables_the_endpoint_at_once(
    hooks_api: ApiClient, receiver: Receiver, worker: JobWorker, clock: list[datetime]
) -> None:
    receiver.default = Reply(410, body=b"gone")
    endpoint = await create_endpoint(hooks_api, receiver.url(), events=["customer.created"])
    await create_customer(hooks_api)
    await create_customer(hooks_api)
    worker.concurrency = 1  # one request, then the second delivery must not be sent

    await worker.run_once()

    assert len(receiver.wait_for(1)) == 1
    shown = (await hooks_api.get(f"/v1/webhook_endpoints/{endpoint['id']}")).json()
    assert shown["is_active"] is False
    assert shown["disabled_reason"] == "The endpoint answered 410 Gone"
    statuses = [
        (d["status"], len(d["attempts"])) for d in await deliveries(hooks_api, endpoint["id"])
    ]
    assert sorted(statuses) == [("failed", 0), ("failed", 1)]
    [disabled] = await events(hooks_api, "webhook_endpoint.disabled")
    assert disabled["data"]["reason"] == "The endpoint answered 410 Gone"
    clock[0] += timedelta(days=1)
    await worker.run_once()
    assert len(receiver.requests) == 1


async def test_after_the_last_attempt_a_failing_endpoint_is_disabled(
    hooks_api: ApiClient, receiver: Receiver, worker: JobWorker, clock: list[datetime]
) -> None:
    receiver.default = Reply(500)
    endpoint = await create_endpoint(hooks_api, receiver.url(), events=["customer.created"])
    await create_customer(hooks_api)

    for _ in range(MAX_ATTEMPTS):
        await worker.run_once()
        [delivery] = await deliveries(hooks_api, endpoint["id"])
        if delivery["next_attempt_at"] is None:
            break
        clock[0] = datetime.fromisoformat(delivery["next_attempt_at"])

    assert len(receiver.wait_for(MAX_ATTEMPTS)) == MAX_ATTEMPTS == len(RETRY_DELAYS) + 1
    assert delivery["status"] == "failed"
    assert delivery["attempt_count"] == 8
    waits = [
        datetime.fromisoformat(b["attempted_at"]) - datetime.fromisoformat(a["attempted_at"])
        for a, b in zip(delivery["attempts"], delivery["attempts"][1:], strict=False)
    ]
    for wait, planned in zip(waits, RETRY_DELAYS, strict=True):
        assert planned * 0.9 <= wait <= planned * 1.1
    shown = (await hooks_api.get(f"/v1/webhook_endpoints/{endpoint['id']}")).json()
    assert shown["is_active"] is False
    assert shown["disabled_reason"] == "No delivery succeeded for 3 days; every attempt failed"
    assert len(await events(hooks_api, "webhook_endpoint.disabled")) == 1


async def test_rotation_keeps_both_secrets_valid_for_a_day(
    hooks_api: ApiClient, receiver: Receiver, worker: JobWorker, clock: list[datetime]
) -> None:
    endpoint = await create_endpoint(hooks_api, receiver.url(), events=["customer.created"])
    old_secret = endpoint["secret"]
    rotated = await hooks_api.post(f"/v1/webhook_endpoints/{endpoint['id']}/rotate_secret")
    new_secret = rotated.json()["secret"]

    await create_customer(hooks_api)
    await worker.run_once()
    clock[0] += timedelta(hours=24, seconds=1)
    await create_customer(hooks_api)
    await worker.run_once()

    during, after = receiver.wait_for(2)
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    _verified(old_secret, during.headers, during.body)
    _verified(new_secret, during.headers, during.body)
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    _verified(new_secret, after.headers, after.body)
    try:
        _verified(old_secret, after.headers, after.body)
    except WebhookVerificationError:
        pass
    else:
        raise AssertionError("the old secret still verifies after the overlap")


async def test_retry_by_hand_resends_with_the_same_webhook_id(
    hooks_api: ApiClient, receiver: Receiver, worker: JobWorker
) -> None:
    endpoint = await create_endpoint(hooks_api, receiver.url(), events=["customer.created"])
    await create_customer(hooks_api)
    await worker.run_once()
    [delivery] = await deliveries(hooks_api, endpoint["id"])

    response = await hooks_api.post(f"/v1/webhook_deliveries/{delivery['id']}/retry")
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "pending"
    await worker.run_once()

    first, second = receiver.wait_for(2)
    assert first.webhook_id == second.webhook_id == delivery["event_id"]
    shown = (await hooks_api.get(f"/v1/webhook_deliveries/{delivery['id']}")).json()
    assert shown["status"] == "delivered"
    assert [a["attempt_number"] for a in shown["attempts"]] == [1, 2]


async def test_the_test_event_goes_to_its_endpoint_only(
    hooks_api: ApiClient, receiver: Receiver, worker: JobWorker
) -> None:
    target = await create_endpoint(hooks_api, receiver.url("/target"), events=["invoice.paid"])
    await create_endpoint(hooks_api, receiver.url("/other"), events=["*"])

    response = await hooks_api.post(f"/v1/webhook_endpoints/{target['id']}/test")
    assert response.status_code == 202, response.text
    await worker.run_once()

    [request] = receiver.wait_for(1)
    assert request.path == "/target"
    payload = _verified(target["secret"], request.headers, request.body)
    assert payload["type"] == "webhook.test"
    assert response.json()["event_id"] == request.webhook_id


async def test_responses_are_kept_to_2_kb_and_redirects_not_followed(
    hooks_api: ApiClient, receiver: Receiver, worker: JobWorker
) -> None:
    receiver.replies = [
        Reply(302, headers={"Location": receiver.url("/elsewhere")}, body=b"x" * 10_000)
    ]
    endpoint = await create_endpoint(hooks_api, receiver.url(), events=["customer.created"])
    await create_customer(hooks_api)

    await worker.run_once()

    assert [r.path for r in receiver.wait_for(2, timeout=0.5)] == ["/hooks"]
    [delivery] = await deliveries(hooks_api, endpoint["id"])
    [attempt] = delivery["attempts"]
    assert attempt["status_code"] == 302
    assert attempt["response_body"] == "x" * 2048
    assert delivery["status"] == "pending"


async def test_a_slow_receiver_times_out(
    hooks_api: ApiClient, receiver: Receiver, hooks_db: Database, hooks_settings: Settings
) -> None:
    receiver.replies = [Reply(200, delay=1.0)]
    settings = hooks_settings.model_copy(update={"webhook_timeout_seconds": 0.2})
    endpoint = await create_endpoint(hooks_api, receiver.url(), events=["customer.created"])
    await create_customer(hooks_api)

    await JobWorker(hooks_db, settings).run_once()

    [delivery] = await deliveries(hooks_api, endpoint["id"])
    [attempt] = delivery["attempts"]
    assert attempt["status_code"] is None
    assert attempt["error"] == "Timed out after 0.2 s"
    assert delivery["status"] == "pending"


async def test_a_rolled_back_change_queues_nothing(
    hooks_api: ApiClient, receiver: Receiver, worker: JobWorker
) -> None:
    endpoint = await create_endpoint(hooks_api, receiver.url())
    response = await hooks_api.post("/v1/customers", json={"company_name": ""})
    assert response.status_code == 422

    await worker.run_once()

    assert await deliveries(hooks_api, endpoint["id"]) == []
    assert receiver.wait_for(1, timeout=0.2) == []
