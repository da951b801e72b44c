"""documents name the account's biller and payment method they use

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 22:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import faktura.db.types  # noqa: F401  (custom column types, when used)

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("biller_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("payment_method_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("payment_method_id")
        batch_op.drop_column("biller_id")
