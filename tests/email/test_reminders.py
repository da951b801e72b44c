"""The reminder scheduler: each step once per invoice, at the send hour of the account's time
zone, never after the invoice stopped waiting for money — however often, late or concurrently
the scheduler runs."""

import asyncio
import random
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from faktura.config import Settings
from faktura.db.session import Database
from faktura.email import reminders
from faktura.email.models import Message
from tests.accounts.factories import ApiClient
from tests.documents.factories import create_document
from tests.email.conftest import run_mail_jobs
from tests.email.factories import address, customer_with
from tests.payments.factories import pay

STEPS = [
    {"id": "soon", "offset_days": -3},
    {"id": "today", "offset_days": 0},
    {"id": "late", "offset_days": 7, "escalation_level": 1},
    {"id": "later", "offset_days": 14, "escalation_level": 2},
]
START = datetime(2026, 3, 1, tzinfo=UTC)
# Gaps between scheduler runs: its period, a slow day, and downtimes of days.
GAPS = [
    timedelta(minutes=5),
    timedelta(hours=1),
    timedelta(hours=7),
    timedelta(days=1),
    timedelta(days=3),
    timedelta(days=9),
]


async def _policy(api: ApiClient, timezone: str, send_hour: int, **extra: Any) -> None:
    account = await api.patch("/v1/account", json={"timezone": timezone})
    policy = await api.put(
        "/v1/account/reminders", json={"send_hour": send_hour, "steps": STEPS, **extra}
    )
    assert account.status_code == 200, account.text
    assert policy.status_code == 200, policy.text


async def _messages(db: Database, account_id: Any) -> list[Message]:
    async with db.transaction(writes=False) as session:
        rows = await session.execute(
            select(Message).where(Message.account_id == account_id).order_by(Message.id)
        )
        return list(rows.scalars())


def _moment(due: date, offset: int, hour: int, zone: str) -> datetime:
    """When a step falls due, computed here apart from the scheduler: the hour, local time."""
    local = datetime.combine(due + timedelta(days=offset), time(hour), zoneinfo.ZoneInfo(zone))
    return local.astimezone(UTC)


@pytest.mark.parametrize("timezone", ["Pacific/Kiritimati", "Pacific/Honolulu"])  # UTC+14, −10
@pytest.mark.parametrize("seed", range(6))
async def test_each_step_goes_once_on_time_and_never_after_the_invoice_stops_waiting(
    api: ApiClient, db: Database, settings: Settings, clock: list, timezone: str, seed: int
) -> None:
    chance = random.Random(f"{timezone}-{seed}")
    send_hour = chance.randrange(24)
    await _policy(api, timezone, send_hour)
    customer = await customer_with(api, address("primary"))
    due = date(2026, 3, 1) + timedelta(days=chance.randrange(4, 25))
    invoice = await create_document(
        api, customer_id=customer["id"], issue_date="2026-03-01", due_date=due.isoformat()
    )
    ending = chance.choice(["never", "paid", "cancelled", "disputed", "plan"])
    ends_at = START + timedelta(minutes=chance.randrange(60 * 24 * 40))
    runs, at = [], START
    while at < START + timedelta(days=45):
        at += chance.choice(GAPS) + timedelta(minutes=chance.randrange(60))
        runs.append(at)

    ended = False
    for run_at in runs:
        clock[0] = run_at
        if ending != "never" and not ended and run_at >= ends_at:
            await _end(api, invoice, ending)
            ended = True
        await reminders.run(db, settings)
        await run_mail_jobs(db, settings, api.account_id)

    found = await _messages(db, api.account_id)
    moments = {s["id"]: _moment(due, s["offset_days"], send_hour, timezone) for s in STEPS}
    live_runs = [r for r in runs if not (ending != "never" and r >= ends_at)]
    # What should have gone: at each run, the latest step whose moment had come.
    expected = set()
    for run_at in live_runs:
        due_steps = [step for step, moment in moments.items() if moment <= run_at]
        if due_steps:
            expected.add(max(due_steps, key=lambda step: moments[step]))
    keys = [m.reminder_key.split(":")[1] for m in found if m.reminder_key]
    assert sorted(keys) == sorted(expected)  # each once, none missed, superseded ones skipped
    for message in found:
        step = message.reminder_key.split(":")[1]
        assert message.status == "captured"  # test mode: rendered, kept, not sent
        assert message.created_at >= moments[step]  # never before the send hour
        local = message.created_at.astimezone(zoneinfo.ZoneInfo(timezone))
        assert local.date() >= due + timedelta(
            days=dict((s["id"], s["offset_days"]) for s in STEPS)[step]
        )
        if ending != "never":
            assert message.created_at < ends_at  # never after payment, cancellation, dispute, plan
    await api.put("/v1/account/reminders", json={"enabled": False})


async def _end(api: ApiClient, invoice: dict, ending: str) -> None:
    if ending == "paid":
        await pay(api, amount=str(invoice["total"]), invoice_id=invoice["id"])
    elif ending == "cancelled":
        response = await api.post(f"/v1/invoices/{invoice['id']}/cancel", json={})
        assert response.status_code == 200, response.text
    elif ending == "disputed":
        response = await api.post(
            "/v1/disputes", json={"invoice_id": invoice["id"], "reason": "Price"}
        )
        assert response.status_code == 201, response.text
    else:
        response = await api.post(
            "/v1/payment_plans",
            json={
                "invoice_id": invoice["id"],
                "installments": [{"due_date": "2026-06-01", "amount": str(invoice["total"])}],
            },
        )
        assert response.status_code == 201, response.text


async def test_a_reminder_created_before_payment_is_cancelled_if_paid_before_it_goes(
    api: ApiClient, db: Database, settings: Settings, clock: list
) -> None:
    await _policy(api, "UTC", 9)
    customer = await customer_with(api, address())
    invoice = await create_document(
        api, customer_id=customer["id"], issue_date="2026-03-01", due_date="2026-03-10"
    )
    clock[0] = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)

    created = await reminders.run(db, settings)
    await pay(api, amount=str(invoice["total"]), invoice_id=invoice["id"])
    await run_mail_jobs(db, settings, api.account_id)

    [message] = await _messages(db, api.account_id)
    assert created >= 1
    assert message.reminder_key == f"{invoice['id']}:today"
    assert message.status == "cancelled"
    assert message.error == "the invoice is paid by the time the reminder is due"
    await api.put("/v1/account/reminders", json={"enabled": False})


async def test_steps_escalate_to_managers_and_opted_out_customers_get_none(
    api: ApiClient, db: Database, settings: Settings, clock: list
) -> None:
    await _policy(api, "UTC", 9)
    primary, manager, director = address("primary"), address("manager"), address("director")
    customer = await customer_with(api, primary, manager, director)
    for contact, level in zip(customer["contacts"][1:], (1, 2), strict=True):
        changed = await api.patch(f"/v1/contacts/{contact['id']}", json={"escalation_level": level})
        assert changed.status_code == 200, changed.text
    quiet = await customer_with(api, address("quiet"), reminders_enabled=False)
    invoice = await create_document(
        api, customer_id=customer["id"], issue_date="2026-03-01", due_date="2026-03-10", locale="en"
    )
    await create_document(
        api, customer_id=quiet["id"], issue_date="2026-03-01", due_date="2026-03-10"
    )
    clock[0] = datetime(2026, 3, 17, 9, 0, tzinfo=UTC)  # the +7 step, level 1

    await reminders.run(db, settings)
    await run_mail_jobs(db, settings, api.account_id)

    [message] = await _messages(db, api.account_id)
    assert message.document_id.hex == invoice["id"].replace("-", "")
    assert message.to_addresses == [primary, manager]
    assert message.stage == "overdue"
    assert message.subject == f"Invoice {invoice['number']} is overdue"
    await api.put("/v1/account/reminders", json={"enabled": False})


async def test_two_schedulers_at_once_create_each_step_once(
    api: ApiClient, db: Database, standalone_db: Database, settings: Settings, clock: list
) -> None:
    await _policy(api, "UTC", 9)
    customer = await customer_with(api, address())
    for day in range(1, 21):
        await create_document(
            api,
            customer_id=customer["id"],
            issue_date="2026-03-01",
            due_date=f"2026-03-{day:02d}",
        )
    clock[0] = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)

    for _ in range(3):
        await asyncio.gather(reminders.run(db, settings), reminders.run(standalone_db, settings))

    found = await _messages(db, api.account_id)
    keys = [m.reminder_key for m in found]
    assert len(keys) == len(set(keys)) == 20  # one step each: the latest due
    await api.put("/v1/account/reminders", json={"enabled": False})
