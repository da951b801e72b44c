"""clearance settings and the document's clearance

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 10:17:27.137042+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import faktura.db.types

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clearance_settings",
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column("require_before_send", sa.Boolean(), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=True),
        sa.Column("credentials_encrypted", sa.Text(), nullable=False),
        sa.Column("options", faktura.db.types.JSONType, nullable=False),
        sa.Column("tokens_encrypted", sa.Text(), nullable=True),
        sa.Column("token_expires_at", faktura.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("authorization_state", sa.String(length=64), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", faktura.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", faktura.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_clearance_settings_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clearance_settings")),
        sa.UniqueConstraint(
            "account_id", "livemode", name=op.f("uq_clearance_settings_account_id_livemode")
        ),
        sa.UniqueConstraint(
            "authorization_state", name=op.f("uq_clearance_settings_authorization_state")
        ),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clearance", faktura.db.types.JSONType, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("clearance")

    op.drop_table("clearance_settings")
