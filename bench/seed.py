"""Bulk data for the benchmark: customers and issued invoices, written fast and consistently.

Rows go in through the product's own tables (the models' `__table__`, so column types and JSON
encoding are the product's), in large multi-row INSERTs inside one transaction:

- every invoice's money comes from `compute_totals`, the function the API uses;
- numbers are gapless per year (`INV-2025-0001`, …) in issue-date order, and the
  `document_counters` rows end at the last number taken, so invoices created later through the
  API continue each sequence;
- ids are UUIDv7 built from each row's `created_at`, so newest-first lists and `starting_after`
  behave as they do on organically grown data.

To stay fast, invoices draw their lines from a few hundred priced line sets (totals computed once
per set). Seeded invoices have no events and no payments: they are pending or overdue by due date.
"""

import random
import secrets
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, create_engine, select, update
from sqlalchemy.orm import Session

from faktura.accounts.models import Account
from faktura.core.jsoncodec import dumps, loads
from faktura.customers.models import CUSTOMER, Contact, Party
from faktura.db.search import search_text
from faktura.documents.models import Document, DocumentCounter, DocumentLine
from faktura.documents.numbering import format_number
from faktura.documents.output import document_out
from faktura.documents.stored_text import OUTPUT_VERSION
from faktura.documents.totals import LineInput, compute_totals

BATCH = 5_000
LINE_SETS = 400
HISTORY_DAYS = 730
PAYMENT_TERMS = timedelta(days=30)

_SERVICES = (
    ("Consulting", "hour", 60, 180),
    ("Software development", "hour", 70, 160),
    ("Website hosting (monthly)", "month", 9, 90),
    ("Support plan", "month", 50, 900),
    ("Design work", "hour", 40, 120),
    ("Training day", "day", 400, 1500),
    ("Printed brochures", "box", 25, 300),
    ("Travel expenses", None, 20, 600),
    ("Domain registration", "year", 8, 40),
    ("Office supplies", None, 3, 80),
)
_NAMES = (
    "Nordwind", "Bergmann", "Atlas", "Kestrel", "Lindqvist", "Orion", "Petrov", "Quill",
    "Rhein", "Sato", "Tamsin", "Ulmen", "Vega", "Weber", "Xenia", "Yarrow", "Zeller", "Adler",
)  # fmt: skip
_KINDS = ("GmbH", "AG", "KG", "Ltd", "SARL", "BV", "Partners", "Studio", "Werkstatt", "Logistik")
_CITIES = (
    ("10115", "Berlin"), ("20095", "Hamburg"), ("80331", "München"), ("50667", "Köln"),
    ("60311", "Frankfurt am Main"), ("70173", "Stuttgart"), ("04109", "Leipzig"),
)  # fmt: skip


def sync_url(url: str) -> str:
    """The async URL the server uses, for a plain synchronous connection."""
    return url.replace("sqlite+aiosqlite:", "sqlite+pysqlite:")


def _uuid7_at(moment: datetime, sequence: int) -> uuid.UUID:
    """A UUIDv7 of `moment`; `sequence` orders ids of the same millisecond."""
    ms = int(moment.timestamp() * 1000)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= (sequence & 0xFFF) << 64
    value |= 0b10 << 62
    value |= secrets.randbits(62)
    return uuid.UUID(int=value)


def _address(rng: random.Random) -> dict[str, str]:
    zip_code, city = rng.choice(_CITIES)
    return {
        "street": f"{rng.choice(_NAMES)}straße {rng.randint(1, 200)}",
        "zip": zip_code,
        "city": city,
        "country": "DE",
    }


def _format_address(address: dict[str, str]) -> str:
    return f"{address['street']}, {address['zip']} {address['city']}, {address['country']}"


def _line_sets(
    rng: random.Random, rates: list[dict[str, Any]], currency: str
) -> list[tuple[list[dict[str, Any]], Any]]:
    """Priced line sets of 1–5 lines with their totals, computed by the product's engine."""
    sets = []
    for _ in range(LINE_SETS):
        rows, inputs = [], []
        for position in range(rng.randint(1, 5)):
            description, unit, low, high = rng.choice(_SERVICES)
            rate = rates[0] if rng.random() < 0.85 or len(rates) == 1 else rates[1]
            quantity = Decimal(rng.randint(1, 40))
            unit_price = Decimal(rng.randint(low * 100, high * 100)) / 100
            vat_rate = Decimal(str(rate["rate"]))
            rows.append(
                {
                    "position": position,
                    "item_id": None,
                    "description": description,
                    "quantity": quantity,
                    "unit_price": unit_price,
                    "unit": unit,
                    "discount_amount": None,
                    "discount_percent": None,
                    "vat_type": "excluded",
                    "vat_rate_id": rate["id"],
                    "vat_rate": vat_rate,
                    "vat_exemption_reason": None,
                }
            )
            inputs.append(
                LineInput(
                    quantity=quantity,
                    unit_price=unit_price,
                    vat_type="excluded",
                    vat_rate=vat_rate,
                    vat_category=rate.get("category"),
                )
            )
        totals = compute_totals(inputs, currency)
        for row, result in zip(rows, totals.lines, strict=True):
            row["amount"] = result.amount
            row["vat_category"] = result.vat_category
        sets.append((rows, totals))
    return sets


def _bulk_insert(connection: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert through the driver's fastest path, each value converted by its column's type.

    The conversion is SQLAlchemy's own (the column types' bind processors: exact decimals, UTC
    timestamps, JSON with decimals), so rows are stored exactly as the ORM stores them; only the
    per-row statement machinery is skipped: COPY on PostgreSQL, executemany on SQLite.
    """
    if not rows:
        return
    dialect = connection.dialect
    columns = list(table.columns)
    processors = [column.type.dialect_impl(dialect).bind_processor(dialect) for column in columns]
    keys = [column.key if column.key in rows[0] else column.name for column in columns]
    values = [
        tuple(
            value if process is None or value is None else process(value)
            for process, value in zip(processors, (row[key] for key in keys), strict=True)
        )
        for row in rows
    ]
    names = ", ".join(f'"{column.name}"' for column in columns)
    driver = connection.connection.driver_connection
    assert driver is not None
    if dialect.name == "postgresql":
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy,
        ):
            for row in values:
                copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in columns)
        # Names come from the models, never from input.
        driver.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", values)  # noqa: S608


def _chunks(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _insert_customers(
    connection: Connection, account_id: uuid.UUID, count: int, rng: random.Random
) -> list[tuple[uuid.UUID, str, str]]:
    """`count` customers with one primary contact each; returns (id, name, address text)."""
    now = datetime.now(UTC)
    customers: list[tuple[uuid.UUID, str, str]] = []
    parties, contacts = [], []
    for index in range(count):
        created = now - timedelta(days=HISTORY_DAYS + 1) + timedelta(milliseconds=index)
        name = f"{rng.choice(_NAMES)} {rng.choice(_KINDS)} {index + 1}"
        email = f"billing{index + 1}@customer{index + 1}.example"
        contact_name = f"{rng.choice(_NAMES)} {rng.choice(_NAMES)}"
        address = _address(rng)
        party_id = _uuid7_at(created, 0)
        common = {
            "account_id": account_id,
            "livemode": False,
            "created_at": created,
            "updated_at": created,
        }
        parties.append(
            {
                **common,
                "id": party_id,
                "kind": CUSTOMER,
                "company_name": name,
                "email": email,
                "phone": None,
                "tax_id": None,
                "address": address,
                "electronic_address": None,
                "currency": "EUR",
                "timezone": None,
                "locale": None,
                "external_id": None,
                "notes": None,
                "metadata": {},
                "reminders_enabled": True,
                "search_text": search_text(name, email, contact_name, email),
            }
        )
        contacts.append(
            {
                **common,
                "id": _uuid7_at(created, 1),
                "customer_id": party_id,
                "contact_name": contact_name,
                "email": email,
                "phone": None,
                "phone_type": None,
                "phone_secondary": None,
                "phone_type_secondary": None,
                "is_primary": True,
                "escalation_level": 0,
                "title": None,
                "notes": None,
            }
        )
        customers.append((party_id, name, _format_address(address)))
    for chunk in _chunks(iter(parties), BATCH):
        _bulk_insert(connection, Party.__table__, chunk)
    for chunk in _chunks(iter(contacts), BATCH):
        _bulk_insert(connection, Contact.__table__, chunk)
    return customers


def _counters(connection: Connection, account_id: uuid.UUID) -> dict[int, int]:
    rows = connection.execute(
        select(DocumentCounter.year, DocumentCounter.last_value).where(
            DocumentCounter.account_id == account_id,
            DocumentCounter.livemode.is_(False),
            DocumentCounter.type == "invoice",
        )
    )
    return {year: last for year, last in rows}


def _save_counters(
    connection: Connection, account_id: uuid.UUID, before: dict[int, int], after: dict[int, int]
) -> None:
    for year, last_value in after.items():
        if year in before:
            connection.execute(
                update(DocumentCounter)
                .where(
                    DocumentCounter.account_id == account_id,
                    DocumentCounter.livemode.is_(False),
                    DocumentCounter.type == "invoice",
                    DocumentCounter.year == year,
                )
                .values(last_value=last_value)
            )
        else:
            connection.execute(
                DocumentCounter.__table__.insert(),
                {
                    "account_id": account_id,
                    "livemode": False,
                    "type": "invoice",
                    "year": year,
                    "last_value": last_value,
                },
            )


def _insert_invoices(
    connection: Connection,
    account: Account,
    customers: list[tuple[uuid.UUID, str, str]],
    count: int,
    rng: random.Random,
) -> None:
    rule = account.numbering["invoice"]
    rates = [r for r in account.vat_rates if r.get("category") == "S"] or [
        {"id": None, "rate": "19", "category": "S"}
    ]
    sets = _line_sets(rng, rates, account.default_currency)
    counters_before = _counters(connection, account.id)
    counters = dict(counters_before)
    today = datetime.now(UTC).date()
    first_day = today - timedelta(days=HISTORY_DAYS)
    # Issue dates in order, so numbers and ids follow them as when invoices are made one by one.
    offsets = sorted(rng.randrange(HISTORY_DAYS) for _ in range(count))

    def documents() -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
        previous_day, in_day = None, 0
        for offset in offsets:
            issue_date: date = first_day + timedelta(days=offset)
            in_day = in_day + 1 if issue_date == previous_day else 0
            previous_day = issue_date
            created = datetime(
                issue_date.year, issue_date.month, issue_date.day, tzinfo=UTC
            ) + timedelta(milliseconds=in_day)
            year = issue_date.year if rule["yearly_reset"] else 0
            counters[year] = counters.get(year, 0) + 1
            number = format_number(rule, issue_date.year, counters[year])
            customer_id, customer_name, customer_address = rng.choice(customers)
            rows, totals = rng.choice(sets)
            due_date = issue_date + PAYMENT_TERMS
            document_id = _uuid7_at(created, 0)
            document = {
                "id": document_id,
                "account_id": account.id,
                "livemode": False,
                "type": "invoice",
                "number": number,
                "status": "overdue" if due_date < today else "pending",
                "customer_id": customer_id,
                "customer_name": customer_name,
                "customer_address": customer_address,
                "currency": account.default_currency,
                "issue_date": issue_date,
                "due_date": due_date,
                "issue_date_given": True,
                "due_date_given": True,
                "vat_type": "excluded",
                "notes": None,
                "buyer_reference": None,
                "purchase_order": None,
                "source_type": "api",
                "subtotal": totals.subtotal,
                "discount_amount": totals.discount_amount,
                "tax_amount": totals.tax_amount,
                "tax_amount_given": False,
                "tax_breakdown": [
                    {"rate": t.rate, "category": t.category, "taxable": t.taxable, "tax": t.tax}
                    for t in totals.tax_breakdown
                ],
                "total": totals.total,
                "amount_paid": Decimal(0),
                "amount_credited": Decimal(0),
                "external_payment_amount": Decimal(0),
                "amount_due": totals.total,
                "related_document_id": None,
                "finalized_at": created,
                "sent_at": None,
                "cancelled_at": None,
                "cancellation_reason": None,
                "tax_rate": None,
                "biller_id": None,
                "payment_method_id": None,
                "locale": None,
                # Seeded documents have no archived PDF: GET …/pdf renders and archives it.
                "pdf_status": None,
                "pdf_source": None,
                "pdf_key": None,
                "pdf_sha256": None,
                "pdf_size": None,
                "pdf_generated_at": None,
                "pdf_error": None,
                "clearance": None,
                "search_text": f"{number.casefold()} {customer_name.casefold()}",
                "created_at": created,
                "updated_at": created,
            }
            lines = [
                {**row, "id": _uuid7_at(created, 1 + row["position"]), "document_id": document_id}
                for row in rows
            ]
            # The text the API shows, as the product stores it when a document changes.
            document["rendered"] = dumps(
                document_out(SimpleNamespace(**document), [SimpleNamespace(**r) for r in lines])
            ).decode()
            document["rendered_at"] = created
            document["rendered_version"] = OUTPUT_VERSION
            yield document, lines

    batch: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    for item in documents():
        batch.append(item)
        if len(batch) == BATCH:
            _write(connection, batch)
            batch = []
    if batch:
        _write(connection, batch)
    _save_counters(connection, account.id, counters_before, counters)


def _write(
    connection: Connection, batch: list[tuple[dict[str, Any], list[dict[str, Any]]]]
) -> None:
    _bulk_insert(connection, Document.__table__, [document for document, _ in batch])
    _bulk_insert(connection, DocumentLine.__table__, [line for _, lines in batch for line in lines])


def seed(
    url: str,
    account_id: uuid.UUID,
    *,
    customers: int,
    invoices: int,
    random_seed: int = 7,
    settle: bool = True,
) -> dict[str, Any]:
    """Add `customers` customers and `invoices` issued invoices to a test-mode account;
    `settle` ends with the statistics and visibility map a settled database has (one seed of
    several leaves it to the last)."""
    started = time.perf_counter()
    rng = random.Random(random_seed)  # noqa: S311 - sample data, not secrets
    engine = create_engine(
        sync_url(url), json_serializer=lambda value: dumps(value).decode(), json_deserializer=loads
    )
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            account = Session(bind=connection).get_one(Account, account_id)
            made = _insert_customers(connection, account_id, customers, rng) if customers else []
            if invoices:
                if not made:
                    raise ValueError("invoices need customers: give --customers")
                _insert_invoices(connection, account, made, invoices, rng)
        if settle:
            with engine.connect() as connection:
                if connection.dialect.name == "postgresql":
                    # What autovacuum leaves a database in once it settles: statistics, and the
                    # visibility map that lets counts and keyset pages read indexes alone.
                    connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                        "VACUUM ANALYZE parties, contacts, documents, document_lines, "
                        "document_counters"
                    )
                else:
                    connection.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()
    return {
        "customers": customers,
        "invoices": invoices,
        "seconds": round(time.perf_counter() - started, 2),
    }


# The command line: `python -m bench.seed --customers N --invoices M [--account ID | --accounts K]`
# (FAKTURA_DATABASE_URL names the database). Prints JSON: the account, its key, what was added.


async def _account_with_key(settings: Any) -> dict[str, Any]:
    from faktura.accounts.service import create_account
    from faktura.cli.common import in_transaction
    from faktura.cli.keys import create_key

    async def work(session: Any) -> str:
        created = await create_account(
            session, name="Bench Company GmbH", currency="EUR", country="DE"
        )
        return str(created.id)

    account_id = await in_transaction(settings, work)
    key = await create_key(settings, account_id, "test", "*", "unlimited", "Bench key")
    return {"account_id": account_id, "key": key["key"]}


def main(argv: list[str] | None = None) -> None:
    import argparse
    import asyncio
    import json

    from faktura.config import get_settings

    parser = argparse.ArgumentParser(prog="python -m bench.seed", description=__doc__)
    parser.add_argument("--customers", type=int, default=1000, help="customers to add")
    parser.add_argument("--invoices", type=int, default=10_000, help="issued invoices to add")
    parser.add_argument("--account", help="test-mode account to add to (default: a new one)")
    parser.add_argument("--accounts", type=int, default=1, help="new accounts, each with a key")
    args = parser.parse_args(argv)
    if args.customers < 0 or args.invoices < 0 or args.accounts < 1:
        parser.error("counts cannot be negative, and --accounts is at least 1")
    if args.account is not None and args.accounts > 1:
        parser.error("--account adds to one account: leave out --accounts")
    settings = get_settings()
    if args.account is None:
        made = [asyncio.run(_account_with_key(settings)) for _ in range(args.accounts)]
    else:
        try:
            made = [{"account_id": str(uuid.UUID(args.account))}]
        except ValueError:
            parser.error("--account: not an account id")
    seconds = 0.0
    for index, target in enumerate(made):
        seeded = seed(
            settings.database_url,
            uuid.UUID(target["account_id"]),
            customers=args.customers,
            invoices=args.invoices,
            settle=index == len(made) - 1,
        )
        seconds += seeded["seconds"]
    data: dict[str, Any] = {**made[0], "customers": args.customers, "invoices": args.invoices}
    if len(made) > 1:
        data["accounts"] = made
    data["seconds"] = round(seconds, 2)
    print(json.dumps(data))


if __name__ == "__main__":
    main()
