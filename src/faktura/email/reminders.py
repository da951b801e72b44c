"""The reminder scheduler: each step of an account's policy, once per invoice, at the send
hour of the account's time zone.

A step is due at `send_hour` local time on (due date + offset_days). Each run looks at every
invoice still waiting for money and creates a message for the latest step that is due, under
the unique key (invoice, step): so a step is sent once however often the scheduler runs, or
however many run at once, and a scheduler that was down sends only the latest missed step —
the earlier ones are superseded. Whether the invoice still wants a reminder is checked again
when the message goes out (delivery.py): paid, cancelled, in dispute or in a plan by then, the
message is cancelled.
"""

import uuid
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.accounts.models import Account, RemindersData
from faktura.config import Settings
from faktura.core.clock import utcnow
from faktura.core.tenant import Tenant
from faktura.customers.models import Party
from faktura.db.session import Database
from faktura.documents.models import Document, DocumentType
from faktura.email import service, templates
from faktura.email.delivery import REMINDABLE
from faktura.email.models import Message

BATCH = 500


@dataclass(frozen=True)
class Step:
    id: str
    offset_days: int
    stage: str
    template_id: uuid.UUID | None
    escalation_level: int


def steps_of(policy: RemindersData) -> list[Step]:
    return sorted(
        (
            Step(
                id=step["id"],
                offset_days=step["offset_days"],
                stage=step.get("stage") or templates.reminder_stage(step["offset_days"]),
                template_id=uuid.UUID(step["template_id"]) if step.get("template_id") else None,
                escalation_level=step.get("escalation_level", 0),
            )
            for step in policy.get("steps", [])
        ),
        key=lambda step: step.offset_days,
    )


def step_moment(due_date: date, step: Step, send_hour: int, zone: zoneinfo.ZoneInfo) -> datetime:
    """When a step of an invoice falls due: the send hour, local time, on its day."""
    local = datetime.combine(due_date + timedelta(days=step.offset_days), time(send_hour), zone)
    return local.astimezone(zoneinfo.ZoneInfo("UTC"))


def latest_due(
    due_date: date, steps: Sequence[Step], send_hour: int, zone: zoneinfo.ZoneInfo, now: datetime
) -> Step | None:
    """The last step whose moment has come (the earlier ones are superseded by it)."""
    found = None
    for step in steps:
        if step_moment(due_date, step, send_hour, zone) <= now:
            found = step
    return found


def reminder_key(document_id: uuid.UUID, step: Step) -> str:
    return f"{document_id}:{step.id}"


async def _policies(db: Database) -> list[tuple[uuid.UUID, RemindersData, str]]:
    async with db.transaction(writes=False) as session:
        rows = await session.execute(select(Account.id, Account.reminders, Account.timezone))
        return [
            (account_id, policy, timezone)
            for account_id, policy, timezone in rows
            if policy.get("enabled") and policy.get("steps")
        ]


async def _candidates(
    session: AsyncSession, tenant: Tenant, latest_due_date: date, after: uuid.UUID | None
) -> list[tuple[uuid.UUID, uuid.UUID, date]]:
    statement = (
        select(Document.id, Document.customer_id, Document.due_date)
        .join(Party, Party.id == Document.customer_id)
        .where(
            Document.account_id == tenant.account_id,
            Document.livemode == tenant.livemode,
            Document.type == DocumentType.INVOICE,
            Document.status.in_(list(REMINDABLE)),
            Document.due_date.is_not(None),
            Document.due_date <= latest_due_date,
            Document.amount_due > 0,
            Party.reminders_enabled.is_(True),
        )
        .order_by(Document.id)
        .limit(BATCH)
    )
    if after is not None:
        statement = statement.where(Document.id > after)
    rows = await session.execute(statement)
    return [(row[0], row[1], row[2]) for row in rows if row[2] is not None]


async def _existing(session: AsyncSession, tenant: Tenant, keys: list[str]) -> set[str]:
    rows = await session.execute(
        select(Message.reminder_key).where(
            Message.account_id == tenant.account_id,
            Message.livemode == tenant.livemode,
            Message.reminder_key.in_(keys),
        )
    )
    return {key for key in rows.scalars() if key is not None}


async def remind_tenant(
    db: Database,
    tenant: Tenant,
    policy: RemindersData,
    timezone: str,
    sender: str,
    now: datetime,
) -> int:
    """Create the due reminders of one account in one mode; how many were created."""
    steps = steps_of(policy)
    zone = zoneinfo.ZoneInfo(timezone)
    send_hour = policy.get("send_hour", 9)
    # No invoice due after this can have a step due now.
    local_today = now.astimezone(zone).date()
    latest_due_date = local_today - timedelta(days=steps[0].offset_days)
    created = 0
    after: uuid.UUID | None = None
    while True:
        async with db.transaction() as session:
            batch = await _candidates(session, tenant, latest_due_date, after)
            wanted: dict[str, tuple[uuid.UUID, uuid.UUID, Step]] = {}
            for document_id, customer_id, due_date in batch:
                step = latest_due(due_date, steps, send_hour, zone, now)
                if step is not None:
                    wanted[reminder_key(document_id, step)] = (document_id, customer_id, step)
            existing = await _existing(session, tenant, list(wanted)) if wanted else set()
            for key, (document_id, customer_id, step) in wanted.items():
                if key in existing:
                    continue
                try:
                    async with session.begin_nested():
                        await service.new_message(
                            session,
                            tenant,
                            document_id,
                            customer_id,
                            sender=sender,
                            stage=step.stage,
                            template_id=step.template_id,
                            origin="reminder",
                            scheduled_at=now,
                            reminder_key=key,
                            escalation_level=step.escalation_level,
                        )
                except IntegrityError:
                    continue  # another scheduler created it meanwhile
                created += 1
        if len(batch) < BATCH:
            return created
        after = batch[-1][0]


async def run(db: Database, settings: Settings) -> int:
    """One pass over every account with reminders on; how many reminders were created."""
    now = utcnow()
    created = 0
    for account_id, policy, timezone in await _policies(db):
        for livemode in (True, False):
            created += await remind_tenant(
                db, Tenant(account_id, livemode), policy, timezone, settings.smtp_from, now
            )
    return created
