"""Legal numbering: gapless per (account, mode, type, year), assigned when a document is issued.

`{prefix}-{YYYY}-{NNNN}` by default (`{prefix}-{NNNN}` for a sequence that never resets). A
number is taken by incrementing the sequence's counter row inside the issuing transaction: on
PostgreSQL the UPDATE locks the row until commit, on SQLite the write transaction holds the
database. Concurrent issues therefore queue, and an issue that fails rolls its number back with
everything else — no gap, no duplicate. Because the row stays locked until commit, the issuing
code takes the number as its last step: only the writes that carry the number follow it.

A caller may give a number by hand. It is checked under the lock of every counter of its type,
and those counters remember it (`manual_numbers`): from then on a number taken from them is
checked against the documents too, and skipped when a hand-given number already holds it. A type
that never had a number given by hand pays no such check.
"""

from datetime import date
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.accounts.models import NumberingRuleData
from faktura.core.tenant import Tenant
from faktura.documents.models import DocumentCounter


def format_number(rule: NumberingRuleData, year: int, sequence: int) -> str:
    digits = str(sequence).zfill(int(rule["padding"]))
    if rule["yearly_reset"]:
        return f"{rule['prefix']}-{year:04d}-{digits}"
    return f"{rule['prefix']}-{digits}"


def _counter_key(
    tenant: Tenant, doc_type: str, issue_date: date, rule: NumberingRuleData
) -> dict[str, Any]:
    year = issue_date.year if rule["yearly_reset"] else 0
    return {
        "account_id": tenant.account_id,
        "livemode": tenant.livemode,
        "type": doc_type,
        "year": year,
    }


def _is_counter(key: dict[str, Any]) -> list[Any]:
    return [getattr(DocumentCounter, column) == value for column, value in key.items()]


def _is_type(key: dict[str, Any]) -> list[Any]:
    """Every counter of the key's type, all years."""
    return [
        DocumentCounter.account_id == key["account_id"],
        DocumentCounter.livemode == key["livemode"],
        DocumentCounter.type == key["type"],
    ]


async def _ensure_counter(session: AsyncSession, key: dict[str, Any]) -> None:
    """Create the sequence's counter at 0; a new year's counter inherits `manual_numbers`."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    inherited = select(
        exists().where(*_is_type(key), DocumentCounter.manual_numbers.is_(True))
    ).scalar_subquery()
    await session.execute(
        insert(DocumentCounter)
        .values(**key, last_value=0, manual_numbers=inherited)
        .on_conflict_do_nothing()
    )


async def lock_for_manual_number(
    session: AsyncSession, tenant: Tenant, doc_type: str, issue_date: date, rule: NumberingRuleData
) -> None:
    """Before a number given by hand is checked and written: lock every counter of the type
    until commit, so nobody numbers this type meanwhile, and mark them `manual_numbers`."""
    key = _counter_key(tenant, doc_type, issue_date, rule)
    await _ensure_counter(session, key)
    await session.execute(
        update(DocumentCounter)
        .where(*_is_type(key))
        .values(manual_numbers=True)
        .execution_options(synchronize_session=False)
    )


async def take_number(
    session: AsyncSession,
    tenant: Tenant,
    doc_type: str,
    issue_date: date,
    rule: NumberingRuleData,
) -> tuple[str, bool]:
    """The sequence's next number, and whether numbers of this type were ever given by hand
    (then the caller checks that no document holds it already)."""
    key = _counter_key(tenant, doc_type, issue_date, rule)
    increment = (
        update(DocumentCounter)
        .where(*_is_counter(key))
        .values(last_value=DocumentCounter.last_value + 1)
        .returning(DocumentCounter.last_value, DocumentCounter.manual_numbers)
        .execution_options(synchronize_session=False)
    )
    row = (await session.execute(increment)).first()
    if row is None:  # the sequence's first number
        await _ensure_counter(session, key)
        row = (await session.execute(increment)).one()
    return format_number(rule, issue_date.year, row.last_value), row.manual_numbers
