"""document counters remember whether numbers of their type were given by hand

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 04:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import faktura.db.types  # noqa: F401  (custom column types, when used)

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("document_counters", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("manual_numbers", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Which numbers of an existing sequence were given by hand is not recorded: every existing
    # counter keeps checking the numbers it gives, as before.
    op.execute("UPDATE document_counters SET manual_numbers = TRUE")


def downgrade() -> None:
    with op.batch_alter_table("document_counters", schema=None) as batch_op:
        batch_op.drop_column("manual_numbers")
