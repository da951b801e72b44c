"""Column types are exact and timezone-aware on both databases."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select

from faktura.db.session import Database
from faktura.db.types import ExactDecimal, UTCDateTime, quantity_column, unit_price_column

metadata = MetaData()
probe = Table(
    "type_probe",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("amount", ExactDecimal()),
    Column("at", UTCDateTime()),
    Column("unit_price", unit_price_column()),
    Column("quantity", quantity_column()),
)


@pytest.fixture
async def probe_table(standalone_db: Database):
    async with standalone_db.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield standalone_db
    async with standalone_db.engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)


async def test_decimals_are_exact_where_floats_are_not(probe_table: Database) -> None:
    values = [
        Decimal("99999999999999.99"),
        Decimal("0.0001"),
        Decimal("-12.3456"),
        Decimal("99999999999999.9999"),
    ]
    async with probe_table.transaction() as session:
        await session.execute(insert(probe), [{"id": i, "amount": v} for i, v in enumerate(values)])
    async with probe_table.transaction(writes=False) as session:
        stored = (await session.execute(select(probe.c.amount).order_by(probe.c.id))).scalars()
        total = (await session.execute(select(func.sum(probe.c.amount)))).scalar_one()
        above = (
            await session.execute(select(func.count()).where(probe.c.amount > Decimal("0.0001")))
        ).scalar_one()

    assert list(stored) == values
    assert total == sum(values)
    assert above == 2


async def test_more_than_four_decimals_is_refused(probe_table: Database) -> None:
    with pytest.raises(Exception, match="more than 4 decimals"):
        async with probe_table.transaction() as session:
            await session.execute(insert(probe), [{"id": 1, "amount": Decimal("1.00001")}])


async def test_amounts_beyond_the_common_range_are_refused(probe_table: Database) -> None:
    with pytest.raises(Exception, match="beyond the largest stored amount"):
        async with probe_table.transaction() as session:
            await session.execute(insert(probe), [{"id": 1, "amount": Decimal("1E14")}])


async def test_timestamps_come_back_aware_in_utc(probe_table: Database) -> None:
    israel = timezone(timedelta(hours=2))
    moment = datetime(2026, 11, 23, 12, 30, 15, 123456, tzinfo=israel)
    async with probe_table.transaction() as session:
        await session.execute(insert(probe), [{"id": 1, "at": moment}])
    async with probe_table.transaction(writes=False) as session:
        stored = (await session.execute(select(probe.c.at))).scalar_one()

    assert stored == moment
    assert stored.tzinfo is not None
    assert stored.utcoffset() == timedelta(0)
    assert stored == datetime(2026, 11, 23, 10, 30, 15, 123456, tzinfo=UTC)


async def test_naive_timestamps_are_refused(probe_table: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        async with probe_table.transaction() as session:
            await session.execute(insert(probe), [{"id": 1, "at": datetime(2026, 1, 1)}])  # noqa: DTZ001


async def test_unit_prices_keep_8_decimals_and_quantities_6_up_to_their_limits(
    probe_table: Database,
) -> None:
    rows = [
        {"id": 1, "unit_price": Decimal("0.00101"), "quantity": Decimal("1000.123456")},
        {
            "id": 2,
            "unit_price": Decimal("999999999999.99999999"),
            "quantity": Decimal("999999999999.999999"),
        },
        {"id": 3, "unit_price": Decimal("0"), "quantity": Decimal("0.000001")},
    ]
    async with probe_table.transaction() as session:
        await session.execute(insert(probe), rows)
    async with probe_table.transaction(writes=False) as session:
        stored = (
            await session.execute(select(probe.c.unit_price, probe.c.quantity).order_by(probe.c.id))
        ).all()

    assert [tuple(row) for row in stored] == [(r["unit_price"], r["quantity"]) for r in rows]
    assert str(stored[0][0]) == "0.00101000"


@pytest.mark.parametrize(
    ("column", "value"), [("unit_price", "0.000000001"), ("quantity", "0.0000001")]
)
async def test_finer_unit_prices_and_quantities_are_refused(
    probe_table: Database, column: str, value: str
) -> None:
    with pytest.raises(Exception, match="more than"):
        async with probe_table.transaction() as session:
            await session.execute(insert(probe), [{"id": 1, column: Decimal(value)}])
