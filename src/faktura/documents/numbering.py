"""Legal numbering: gapless per (account, mode, type, year), assigned when a document is issued.

`{prefix}-{YYYY}-{NNNN}` by default (`{prefix}-{NNNN}` for a sequence that never resets). A
number is taken by incrementing the sequence's counter row inside the issuing transaction: on
PostgreSQL the UPDATE locks the row until commit, on SQLite the write transaction holds the
database. Concurrent issues therefore queue, and an issue that fails rolls its number back with
everything else — no gap, no duplicate. Because the row stays locked until commit, the issuing
code takes the number as its last step: only the writes that carry the number follow it.

`issue` is the whole of it: a draft gets its dates, its issued status and its number, in that
order, and becomes a legal document.

A caller may give a number by hand. It is checked under the lock of every counter of its type,
and those counters remember it (`manual_numbers`): from then on a number taken from them is
checked against the documents too, and skipped when a hand-given number already holds it. A type
that never had a number given by hand pays no such check.
"""

from datetime import date
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.accounts.models import Account, NumberingRuleData
from faktura.core.clock import utcnow
from faktura.core.errors import Conflict
from faktura.core.tenant import Tenant
from faktura.documents.balance import ANNOUNCED, account_today, apply_credit
from faktura.documents.models import Document, DocumentCounter
from faktura.documents.status import (
    DocumentStatus,
    DocumentType,
    a,
    amount_due,
    label,
    record_document_event,
    status_from_money,
    transition,
)

ISSUED_STATUS = {
    DocumentType.QUOTE: DocumentStatus.PENDING,
    DocumentType.CREDIT_NOTE: DocumentStatus.ISSUED,
    DocumentType.RECEIPT: DocumentStatus.ISSUED,
}  # an invoice's: the money says which (status.status_from_money)


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


async def issue(
    session: AsyncSession,
    tenant: Tenant,
    account: Account,
    document: Document,
    number: str | None,
    *,
    inserted: bool,
) -> None:
    """Give a draft its number and make it a legal document, in the caller's transaction.

    The caller holds the draft's row: it created it (`inserted`), or read it locked. The number
    is taken last: the sequence's counter stays locked from then until commit, so only the
    writes that carry the number — the document's row and its events — happen under that lock.
    """
    today = account_today(account)
    if not document.issue_date_given and document.issue_date != today:
        if not document.due_date_given and document.due_date is not None:
            document.due_date += today - document.issue_date
        document.issue_date = today
    if document.type == DocumentType.INVOICE:
        document.amount_due = amount_due(document)
        issued = status_from_money(document, today)
    else:
        issued = ISSUED_STATUS[DocumentType(document.type)]
    # The events wait for the number: they carry it.
    await transition(
        session,
        tenant,
        document,
        issued,
        events=(),
        changes={"finalized_at": utcnow()},
        inserted=inserted,
    )
    if document.type == DocumentType.CREDIT_NOTE:
        await apply_credit(session, tenant, account, document)
    given = number is not None
    rule = account.numbering[document.type]
    document.number = await _number(session, tenant, document, rule, number)
    document.refresh_search_text()
    # Stamped now, not by the flush below: the finalized event is written from the document.
    document.updated_at = utcnow()
    await record_document_event(session, tenant, document, "finalized")
    if document.type == DocumentType.INVOICE and document.status in ANNOUNCED:
        await record_document_event(session, tenant, document, document.status)
    if not given:
        await session.flush()
        return
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # a number taken by a concurrent request of another year
        raise Conflict(
            f"{a(label(document.type)).capitalize()} numbered '{document.number}' already exists"
        ) from exc


async def _number(
    session: AsyncSession,
    tenant: Tenant,
    document: Document,
    rule: NumberingRuleData,
    number: str | None,
) -> str:
    """The number given by hand once checked free, else the sequence's next free number."""
    if number is not None:
        await lock_for_manual_number(session, tenant, document.type, document.issue_date, rule)
        if await _number_taken(session, tenant, document.type, number):
            raise Conflict(
                f"{a(label(document.type)).capitalize()} numbered '{number}' already exists"
            )
        return number
    number, check = await take_number(session, tenant, document.type, document.issue_date, rule)
    # A number a caller already gave by hand is skipped: it is itself in the sequence.
    while check and await _number_taken(session, tenant, document.type, number):
        number, check = await take_number(session, tenant, document.type, document.issue_date, rule)
    return number


async def _number_taken(
    session: AsyncSession,
    tenant: Tenant,
    doc_type: str,
    number: str,
) -> bool:
    return (
        await session.execute(
            select(Document.id).where(
                Document.account_id == tenant.account_id,
                Document.livemode == tenant.livemode,
                Document.type == doc_type,
                Document.number == number,
            )
        )
    ).first() is not None
