"""The event log: an event exists if and only if its change committed."""

from sqlalchemy import func, select

from faktura.db.session import Database
from faktura.events.models import Event
from tests.accounts.factories import ApiClient
from tests.assertions import assert_error


async def _event_count(db: Database, api: ApiClient) -> int:
    async with db.transaction(writes=False) as session:
        return (
            await session.execute(
                select(func.count()).select_from(Event).where(Event.account_id == api.account_id)
            )
        ).scalar_one()


async def test_committed_change_records_its_event(api: ApiClient) -> None:
    response = await api.patch("/v1/account", json={"phone": "+972-3-1234567"})

    events = (await api.get("/v1/events")).json()
    assert events["total"] == 1
    event = events["data"][0]
    assert event["type"] == "account.updated"
    assert event["object_type"] == "account"
    assert event["object_id"] == str(api.account_id)
    assert event["data"] == {"updated_fields": ["phone"], "changed_in_livemode": False}
    assert event["livemode"] is False
    assert event["request_id"] == response.headers["x-request-id"]
    assert (await api.get(f"/v1/events/{event['id']}")).json() == event


async def test_failed_change_records_no_event_and_changes_nothing(
    api: ApiClient,
    db: Database,
) -> None:
    # The service has already applied the name when the unknown VAT id fails the request.
    response = await api.patch(
        "/v1/account",
        json={"name": "Renamed", "vat_rates": [{"id": "vat_missing", "name": "X", "rate": 1}]},
    )

    assert_error(response, 422, "validation_error")
    assert await _event_count(db, api) == 0
    assert (await api.get("/v1/account")).json()["name"] == "Acme Ltd"


async def test_events_filter_by_type_and_object(api: ApiClient) -> None:
    await api.patch("/v1/account", json={"phone": "1"})
    key = (await api.post("/v1/api_keys", json={"name": "x"})).json()
    await api.delete(f"/v1/api_keys/{key['id']}")

    by_type = (await api.get("/v1/events?type=api_key.revoked")).json()
    family = (await api.get("/v1/events?type=account.*")).json()
    by_object = (await api.get(f"/v1/events?object_id={key['id']}")).json()

    assert [e["type"] for e in by_type["data"]] == ["api_key.revoked"]
    assert [e["type"] for e in family["data"]] == ["account.updated"]
    assert [e["object_id"] for e in by_object["data"]] == [key["id"]]


async def test_unknown_event_is_404(api: ApiClient) -> None:
    assert_error(await api.get("/v1/events/01890000-0000-7000-8000-000000000000"), 404, "not_found")


async def test_account_changes_are_announced_in_both_modes(api: ApiClient, db: Database) -> None:
    from tests.accounts.factories import add_key

    live = api.with_key(await add_key(db, api.account_id, livemode=True))
    await api.patch("/v1/account", json={"name": "Acme Two"})

    live_events = (await live.get("/v1/events")).json()["data"]
    assert [(e["type"], e["livemode"], e["data"]) for e in live_events] == [
        ("account.updated", True, {"updated_fields": ["name"], "changed_in_livemode": False})
    ]
