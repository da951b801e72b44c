"""With 100,000 customers, search and the first page come from indexes, not a table scan.

PostgreSQL only. The rows go into a temporary copy of `parties`: the same columns, and the
indexes the migrations built, copied from pg_indexes under their own names. A temporary table
writes no WAL, so 100,000 rows load in about a second where the real table takes several; being
first on the search path it stands in for `parties`, and EXPLAIN shows the plans of exactly the
statements a list request runs (the page and its count). VACUUM ANALYZE leaves the table as
autovacuum would, so the plans are the ones the planner chooses, not ones forced on it. A tenth
of the rows belong to another account, so the tenant filter is real.
"""

import uuid
from typing import Any

import pytest
from sqlalchemy import Select, func, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from faktura.core.tenant import Tenant
from faktura.customers.models import CUSTOMER, Party
from faktura.customers.queries import PartyFilters, filtered_parties
from faktura.db.session import Database

CUSTOMERS = 100_000
PER_PAGE = 25

COPY_TABLE = text("CREATE TEMPORARY TABLE parties (LIKE public.parties INCLUDING DEFAULTS)")
INDEX_DEFINITIONS = text(
    "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'parties'"
)
SEED = text(
    """
    INSERT INTO parties (id, account_id, livemode, kind, company_name, email, tax_id, address,
                         currency, metadata, search_text, created_at, updated_at)
    SELECT ('01890000-0000-7000-8000-' || lpad(to_hex(n), 12, '0'))::uuid,
           CASE WHEN n % 10 = 0 THEN :other_account ELSE :account_id END, false, 'customer',
           'Customer ' || n, 'billing' || n || '@customer' || n || '.example',
           lpad(n::text, 9, '0'), '{}', 'ILS', '{}',
           'customer ' || n || chr(10) || 'billing' || n || '@customer' || n || '.example'
               || chr(10) || 'contact ' || n || chr(10) || 'contact' || n || '@example.com',
           now() - n * interval '1 minute', now()
    FROM generate_series(1, :count) AS n
    """
)


async def _plan(connection: AsyncConnection, statement: Select[Any]) -> str:
    compiled = statement.compile(dialect=postgresql.dialect())
    rows = await connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
    return "\n".join(row[0] for row in rows)


def _page(statement: Select[Any]) -> Select[Any]:
    """What paginate() runs for page 1 (newest first, one more row to know has_more)."""
    return statement.order_by(Party.id.desc()).limit(PER_PAGE + 1).offset(0)


def _count(statement: Select[Any]) -> Select[Any]:
    """What paginate() runs for `total`."""
    return select(func.count()).select_from(statement.order_by(None).subquery())


async def test_search_and_first_page_of_100000_customers_use_indexes(db: Database) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("index plans are a PostgreSQL matter; SQLite searches with LIKE")
    tenant = Tenant(uuid.uuid4(), livemode=False)

    async with db.engine.connect() as connection:
        # Autocommit: VACUUM (which fills the visibility map, as autovacuum does) needs it.
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        definitions = (await connection.execute(INDEX_DEFINITIONS)).scalars().all()
        await connection.execute(COPY_TABLE)
        try:
            await connection.execute(
                SEED,
                {
                    "account_id": tenant.account_id,
                    "other_account": uuid.uuid4(),
                    "count": CUSTOMERS,
                },
            )
            for definition in definitions:  # built after the load, as a bulk load would
                await connection.exec_driver_sql(
                    definition.replace(" ON public.parties ", " ON pg_temp.parties ")
                )
            # ANALYZE samples 300 rows per point of statistics target, at random: at the default
            # (100) it reads 30,000 of the 100,000 rows, and the estimates — so the plans —
            # varied from run to run. At 400 the sample is every row: the same plans each run.
            await connection.execute(text("SET default_statistics_target = 400"))
            await connection.execute(text("VACUUM ANALYZE pg_temp.parties"))
            await connection.execute(text("RESET default_statistics_target"))
            total = await connection.scalar(select(func.count()).select_from(Party))

            search = filtered_parties(tenant, CUSTOMER, PartyFilters(search="Contact4242@"))
            everyone = filtered_parties(tenant, CUSTOMER, PartyFilters())
            plans = {
                "search page": await _plan(connection, _page(search)),
                "search count": await _plan(connection, _count(search)),
                "first page": await _plan(connection, _page(everyone)),
                "count": await _plan(connection, _count(everyone)),
            }
            found = (await connection.execute(_page(search))).all()
        finally:
            await connection.execute(text("DROP TABLE pg_temp.parties"))

    assert total == CUSTOMERS
    assert len(found) == 1
    assert "ix_parties_search_text" in " ".join(definitions)
    for name, plan in plans.items():
        assert "Seq Scan" not in plan, f"{name}:\n{plan}"
    for name in ("search page", "search count"):
        assert "Bitmap Index Scan on ix_parties_search_text" in plans[name], plans[name]
    # Page 1: read newest first from an index and stop after one page.
    assert plans["first page"].startswith("Limit"), plans["first page"]
    assert "Index Scan Backward using " in plans["first page"], plans["first page"]
    # The total: counted in an index of the tenant, without visiting the table.
    assert "Index Only Scan using " in plans["count"], plans["count"]
