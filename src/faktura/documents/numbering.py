"""Legal numbering: gapless per (account, mode, type, year), assigned when a document is issued.

`{prefix}-{YYYY}-{NNNN}` by default (`{prefix}-{NNNN}` for a sequence that never resets). A
number is taken by incrementing the sequence's counter row inside the issuing transaction: on
PostgreSQL the UPDATE locks the row until commit, on SQLite the write transaction holds the
database. Concurrent issues therefore queue, and an issue that fails rolls its number back with
everything else — no gap, no duplicate.
"""

from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.core.tenant import Tenant
from faktura.documents.models import DocumentCounter


def format_number(rule: dict[str, Any], year: int, sequence: int) -> str:
    digits = str(sequence).zfill(int(rule["padding"]))
    if rule["yearly_reset"]:
        return f"{rule['prefix']}-{year:04d}-{digits}"
    return f"{rule['prefix']}-{digits}"


def _counter_key(
    tenant: Tenant, doc_type: str, issue_date: date, rule: dict[str, Any]
) -> dict[str, Any]:
    year = issue_date.year if rule["yearly_reset"] else 0
    return {
        "account_id": tenant.account_id,
        "livemode": tenant.livemode,
        "type": doc_type,
        "year": year,
    }


async def _ensure_counter(session: AsyncSession, key: dict[str, Any]) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(
        insert(DocumentCounter).values(**key, last_value=0).on_conflict_do_nothing()
    )


def _is_counter(key: dict[str, Any]) -> list[Any]:
    return [getattr(DocumentCounter, column) == value for column, value in key.items()]


async def lock_sequence(
    session: AsyncSession, tenant: Tenant, doc_type: str, issue_date: date, rule: dict[str, Any]
) -> None:
    """Hold the sequence's counter row until commit without taking a number, so that a
    caller's own number is checked and written while nobody else numbers this sequence."""
    key = _counter_key(tenant, doc_type, issue_date, rule)
    await _ensure_counter(session, key)
    await session.execute(
        select(DocumentCounter.last_value).where(*_is_counter(key)).with_for_update()
    )


async def take_number(
    session: AsyncSession,
    tenant: Tenant,
    doc_type: str,
    issue_date: date,
    rule: dict[str, Any],
) -> str:
    key = _counter_key(tenant, doc_type, issue_date, rule)
    await _ensure_counter(session, key)
    sequence = (
        await session.execute(
            update(DocumentCounter)
            .where(*_is_counter(key))
            .values(last_value=DocumentCounter.last_value + 1)
            .returning(DocumentCounter.last_value)
        )
    ).scalar_one()
    return format_number(rule, issue_date.year, sequence)
