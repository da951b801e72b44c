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
    if op.get_bind().dialect.name == "postgresql":
        # A page reads 25 of these texts. Kept in the row, compressed, rather than moved out
        # of line to the TOAST table once a document is long, and compressed with lz4 where
        # the server has it. Fetching 26 texts, measured: 2.4 KB each 0.29 -> 0.25 ms,
        # 8.6 KB each (25 lines) 0.63 -> 0.49 ms.
        op.execute("ALTER TABLE documents ALTER COLUMN rendered SET STORAGE MAIN")
        op.execute(
            "DO $$ BEGIN "
            "IF EXISTS (SELECT FROM pg_settings WHERE name = 'default_toast_compression' "
            "AND 'lz4' = ANY(enumvals)) THEN "
            "ALTER TABLE documents ALTER COLUMN rendered SET COMPRESSION lz4; "
            "END IF; END $$"
        )


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("rendered_version")
        batch_op.drop_column("rendered_at")
        batch_op.drop_column("rendered")
