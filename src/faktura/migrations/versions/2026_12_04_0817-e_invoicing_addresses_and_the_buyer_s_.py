"""e-invoicing addresses and the buyer's references

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 08:17:19.525433+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import faktura.db.types

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("electronic_address", faktura.db.types.JSONType, nullable=True)
        )
        batch_op.add_column(sa.Column("einvoice_attachment", sa.String(length=16), nullable=True))

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("buyer_reference", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("purchase_order", sa.String(length=200), nullable=True))

    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("electronic_address", faktura.db.types.JSONType, nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.drop_column("electronic_address")

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("purchase_order")
        batch_op.drop_column("buyer_reference")

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("einvoice_attachment")
        batch_op.drop_column("electronic_address")
