"""documents keep the JSON the API shows for them

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 06:15:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import faktura.db.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing documents start without it: they are built on reading, and written the next
    # time they change (documents/output.py).
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rendered", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("rendered_at", faktura.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("rendered_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("rendered_version")
        batch_op.drop_column("rendered_at")
        batch_op.drop_column("rendered")
