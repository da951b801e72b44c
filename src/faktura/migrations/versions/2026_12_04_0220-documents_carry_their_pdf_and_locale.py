"""documents carry their locale and their archived PDF

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 02:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import faktura.db.types

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=35), nullable=True))
        batch_op.add_column(sa.Column("pdf_status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("pdf_source", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("pdf_key", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("pdf_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("pdf_size", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "pdf_generated_at", faktura.db.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("pdf_error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        for column in (
            "pdf_error",
            "pdf_generated_at",
            "pdf_size",
            "pdf_sha256",
            "pdf_key",
            "pdf_source",
            "pdf_status",
            "locale",
        ):
            batch_op.drop_column(column)
