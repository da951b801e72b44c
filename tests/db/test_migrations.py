"""The schema comes from Alembic only, and the models agree with it."""

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from faktura.db.migrate import alembic_config, sync_url, upgrade_to_head
from faktura.db.registry import Base


def test_models_and_migrations_agree(migrated_url: str) -> None:
    engine = create_engine(sync_url(migrated_url))
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_migrations_downgrade_and_upgrade_cleanly(tmp_path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'roundtrip.db'}"
    upgrade_to_head(url)
    command.downgrade(alembic_config(url), "base")
    engine = create_engine(sync_url(url))
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    engine.dispose()
    upgrade_to_head(url)
    engine = create_engine(sync_url(url))
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_stored_document_texts_stay_in_the_row_compressed_on_postgresql(
    migrated_url: str,
) -> None:
    engine = create_engine(sync_url(migrated_url))
    if engine.dialect.name != "postgresql":
        engine.dispose()
        pytest.skip("a PostgreSQL storage setting")
    with engine.connect() as connection:
        storage, compression = connection.execute(
            text(
                "SELECT attstorage, attcompression FROM pg_attribute "
                "WHERE attrelid = 'documents'::regclass AND attname = 'rendered'"
            )
        ).one()
    engine.dispose()
    assert (storage, compression) == ("m", "l")


def test_pending_deliveries_become_jobs_when_the_job_queue_arrives(tmp_path) -> None:
    """Migration 0011: a delivery waiting to be sent keeps waiting, as a job due when it was."""
    import uuid
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from faktura.db.types import JSONType, UTCDateTime

    url = f"sqlite+aiosqlite:///{tmp_path / 'deliveries.db'}"
    command.upgrade(alembic_config(url), "0010")
    deliveries = sa.table(
        "webhook_deliveries",
        *(sa.column(name, sa.Uuid()) for name in ("id", "account_id", "endpoint_id", "event_id")),
        sa.column("livemode", sa.Boolean()),
        sa.column("event_type", sa.String()),
        sa.column("status", sa.String()),
        sa.column("attempt_count", sa.Integer()),
        *(
            sa.column(name, UTCDateTime())
            for name in ("next_attempt_at", "created_at", "updated_at")
        ),
    )
    due = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    pending, delivered, account = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    engine = create_engine(sync_url(url))
    with engine.begin() as connection:
        for delivery_id, status in ((pending, "pending"), (delivered, "delivered")):
            connection.execute(
                deliveries.insert().values(
                    id=delivery_id,
                    account_id=account,
                    endpoint_id=uuid.uuid4(),
                    event_id=uuid.uuid4(),
                    livemode=False,
                    event_type="customer.created",
                    status=status,
                    attempt_count=1,
                    next_attempt_at=due if status == "pending" else None,
                    created_at=due,
                    updated_at=due,
                )
            )
    engine.dispose()

    upgrade_to_head(url)

    jobs = sa.table(
        "jobs",
        sa.column("kind", sa.String()),
        sa.column("payload", JSONType),
        sa.column("account_id", sa.Uuid()),
        sa.column("dedupe_key", sa.String()),
        sa.column("status", sa.String()),
        sa.column("run_at", UTCDateTime()),
        sa.column("attempts", sa.Integer()),
    )
    engine = create_engine(sync_url(url))
    with engine.connect() as connection:
        rows = connection.execute(sa.select(jobs)).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [
        (
            "webhooks.deliver",
            {"delivery_id": str(pending)},
            account,
            str(pending),
            "queued",
            due,
            0,
        )
    ]


def test_unit_prices_and_quantities_keep_their_values_when_they_gain_decimals(tmp_path) -> None:
    """Migration 0013 on SQLite: quantities become 10^-6 units and unit prices exact text; the
    values read back through the models' types are those stored before, and the downgrade
    brings back the old storage."""
    import uuid
    from decimal import Decimal

    import sqlalchemy as sa

    from faktura.db.types import quantity_column, unit_price_column

    url = f"sqlite+aiosqlite:///{tmp_path / 'decimals.db'}"
    command.upgrade(alembic_config(url), "0012")
    item_id, line_id = uuid.uuid4().hex, uuid.uuid4().hex
    engine = create_engine(sync_url(url))
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO items (id, account_id, livemode, name, unit_price, currency, "
                "vat_type, active, search_text, created_at, updated_at) VALUES (:id, :account, "
                "0, 'Power', 999999999999, 'EUR', 'excluded', 1, 'power', "
                "'2026-12-01 10:00:00', '2026-12-01 10:00:00')"
            ),
            {"id": item_id, "account": uuid.uuid4().hex},
        )
        connection.execute(
            text(
                "INSERT INTO document_lines (id, document_id, position, description, quantity, "
                "unit_price, vat_type, amount) VALUES (:id, :document, 0, 'kWh', 25000, 1234, "
                "'excluded', 3085)"
            ),
            {"id": line_id, "document": uuid.uuid4().hex},
        )
    engine.dispose()

    upgrade_to_head(url)

    items = sa.table("items", sa.column("unit_price", unit_price_column()))
    lines = sa.table(
        "document_lines",
        sa.column("quantity", quantity_column()),
        sa.column("unit_price", unit_price_column()),
    )
    engine = create_engine(sync_url(url))
    with engine.connect() as connection:
        item_price = connection.execute(sa.select(items.c.unit_price)).scalar_one()
        line = connection.execute(sa.select(lines.c.quantity, lines.c.unit_price)).one()
        raw = connection.execute(text("SELECT quantity, unit_price FROM document_lines")).one()
    engine.dispose()
    assert item_price == Decimal("99999999.9999")
    assert str(item_price) == "99999999.99990000"
    assert tuple(line) == (Decimal("2.5"), Decimal("0.1234"))
    assert tuple(raw) == (2500000, "0.12340000")

    command.downgrade(alembic_config(url), "0012")
    engine = create_engine(sync_url(url))
    with engine.connect() as connection:
        raw = connection.execute(text("SELECT quantity, unit_price FROM document_lines")).one()
        raw_item = connection.execute(text("SELECT unit_price FROM items")).scalar_one()
    engine.dispose()
    assert (tuple(raw), raw_item) == ((25000, 1234), 999999999999)
