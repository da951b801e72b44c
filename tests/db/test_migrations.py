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
