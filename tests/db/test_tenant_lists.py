"""A tenant's list reads the tenant's index, whoever wrote the table's newest rows.

The shape that misled PostgreSQL: one account holds most of a table, and other accounts wrote
its newest rows. Asked for page 1 with `account_id = :id`, its estimate walked the primary key
backwards past the others' rows instead of reading the account's own index (db/pagination.py,
`tenant_rows`). The plans are read with EXPLAIN on the real database.
"""

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import delete, insert, select

from faktura.core.tenant import Tenant
from faktura.db.pagination import PageParams, paginate
from faktura.db.session import Database
from faktura.documents.models import Document
from faktura.documents.service import DocumentFilters, list_documents
from faktura.documents.stored_text import CURRENT_TEXT
from tests.accounts.factories import ApiClient, create_account_with_key
from tests.customers.factories import create_customer
from tests.db.sent import sent_sql
from tests.documents.factories import line

MINE = 6_000  # the listed account's invoices, older than every other row
THEIRS = 300  # another account's, the table's newest


def _id_at(moment: datetime, sequence: int) -> uuid.UUID:
    """A UUIDv7 of `moment`: ids order as their moments."""
    milliseconds = int(moment.timestamp() * 1000)
    return uuid.UUID(int=(milliseconds << 80) | (0x7 << 76) | (0b10 << 62) | sequence)


async def _copies(db: Database, client: ApiClient, count: int, moment: datetime) -> None:
    """`count` copies of the account's invoice, with ids of `moment` (no stored text: a list
    builds those from the row, which is not what is measured here)."""
    async with db.transaction() as session:
        template = (
            (
                await session.execute(
                    select(*Document.__table__.columns).where(
                        Document.account_id == client.account_id
                    )
                )
            )
            .one()
            ._asdict()
        )
        rows = [
            template
            | {
                "id": _id_at(moment, sequence),
                "number": f"T-{sequence}",
                "rendered": None,
                "rendered_at": None,
                "rendered_version": None,
            }
            for sequence in range(count)
        ]
        await session.execute(insert(Document), rows)


async def _page_plan(db: Database, read: Any) -> str:
    """The plan of the first SELECT that `read` (a page read) sends, as the database reports it."""
    with sent_sql(db) as sent:
        async with db.transaction(writes=False) as session:
            await read(session)
    sql, parameters = next(
        entry for entry in sent if entry[0].lstrip().upper().startswith("SELECT")
    )
    async with db.transaction(writes=False) as session:
        connection = await session.connection()
        prefix = "EXPLAIN" if connection.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN"
        rows = (await connection.exec_driver_sql(f"{prefix} {sql}", parameters)).all()
    return "\n".join(str(row[-1]) for row in rows)


async def test_page_one_reads_the_accounts_index_when_others_wrote_the_newest_rows(
    db: Database, http: httpx.AsyncClient
) -> None:
    mine = await create_account_with_key(db, http)
    theirs = await create_account_with_key(db, http)
    for client in (mine, theirs):
        customer = await create_customer(client)
        body = {"customer_id": customer["id"], "line_items": [line()]}
        assert (await client.post("/v1/invoices", json=body)).status_code == 201
    await _copies(db, mine, MINE, datetime(2020, 1, 1, tzinfo=UTC))
    await _copies(db, theirs, THEIRS, datetime(2099, 1, 1, tzinfo=UTC))
    tenant = Tenant(mine.account_id, livemode=False)
    try:
        async with db.transaction() as session:
            connection = await session.connection()
            await connection.exec_driver_sql("ANALYZE")

        plan = await _page_plan(
            db,
            lambda session: list_documents(
                session, tenant, DocumentFilters(doc_type="invoice"), PageParams(1, 25, None)
            ),
        )
        postgresql = db.engine.dialect.name == "postgresql"

        if postgresql:
            # The same page with the account compared by equality: the plan this guards against.
            equal = (
                select(Document.id, CURRENT_TEXT)
                .where(Document.account_id == tenant.account_id)
                .where(Document.livemode == tenant.livemode, Document.type == "invoice")
            )
            premise = await _page_plan(
                db,
                lambda session: paginate(session, equal, Document.id, PageParams(1, 25, None)),
            )
            assert "Index Scan Backward using pk_documents" in premise, premise
            assert "pk_documents" not in plan, plan
            assert "Index Scan Backward using ix_documents_account_id_livemode_" in plan, plan
            assert "Sort" not in plan, plan
        else:
            assert "USING INDEX ix_documents_account_id_livemode_" in plan, plan
            assert "TEMP B-TREE" not in plan, plan
    finally:
        async with db.transaction() as session:
            for client in (mine, theirs):
                await session.execute(
                    delete(Document).where(
                        Document.account_id == client.account_id, Document.number.like("T-%")
                    )
                )
