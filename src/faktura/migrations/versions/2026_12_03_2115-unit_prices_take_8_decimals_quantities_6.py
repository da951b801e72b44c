"""unit prices take 8 decimals and quantities 6

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 21:15:00+00:00

PostgreSQL widens the columns' scale in place. SQLite keeps quantities as 64-bit integers, now of
10^-6 units (each value times 100), and unit prices as fixed-point text (10^12 at 10^-8 units
would overflow an integer); the tables holding them are rebuilt for the new column type.
"""

from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

import faktura.db.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNIT_PRICES = ("items", "document_lines")


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _rewrite(table: str, column: str, convert: object) -> None:
    """Rewrite every value of a column in Python (SQLite only: its values are plain text or
    integers here, read without the column type)."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(f"SELECT id, {column} FROM {table}")).all()  # noqa: S608
    for row_id, value in rows:
        bind.execute(
            sa.text(f"UPDATE {table} SET {column} = :value WHERE id = :id"),  # noqa: S608
            {"value": convert(value), "id": row_id},  # type: ignore[operator]
        )


def upgrade() -> None:
    if not _sqlite():
        for table in _UNIT_PRICES:
            op.alter_column(
                table,
                "unit_price",
                type_=faktura.db.types.ExactDecimal(precision=22, scale=8, sqlite_text=True),
                existing_nullable=False,
            )
        op.alter_column(
            "document_lines",
            "quantity",
            type_=faktura.db.types.ExactDecimal(precision=20, scale=6),
            existing_nullable=False,
        )
        return
    op.execute("UPDATE document_lines SET quantity = quantity * 100")
    for table in _UNIT_PRICES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "unit_price",
                type_=faktura.db.types.ExactDecimal(precision=22, scale=8, sqlite_text=True),
                existing_nullable=False,
            )
        _rewrite(table, "unit_price", lambda units: f"{Decimal(int(units)).scaleb(-4):.8f}")


def downgrade() -> None:
    if not _sqlite():
        for table in _UNIT_PRICES:
            op.alter_column(
                table, "unit_price", type_=faktura.db.types.ExactDecimal(), existing_nullable=False
            )
        op.alter_column(
            "document_lines",
            "quantity",
            type_=faktura.db.types.ExactDecimal(),
            existing_nullable=False,
        )
        return
    # Values finer than 4 decimals are rounded half-even on the way back.
    op.execute("UPDATE document_lines SET quantity = (quantity + 50) / 100")
    for table in _UNIT_PRICES:
        _rewrite(
            table,
            "unit_price",
            lambda text: str(int(Decimal(text).scaleb(4).to_integral_value())),
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "unit_price", type_=faktura.db.types.ExactDecimal(), existing_nullable=False
            )
