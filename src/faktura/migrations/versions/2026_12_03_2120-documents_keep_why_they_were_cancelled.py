"""documents keep why they were cancelled

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 21:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import faktura.db.types  # noqa: F401  (custom column types, when used)

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancellation_reason", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("cancellation_reason")
