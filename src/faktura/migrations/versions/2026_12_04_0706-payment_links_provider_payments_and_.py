"""payment links, provider payments and notifications; card installments on payments; the
payment link a message carries

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 07:06:36.820156+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import faktura.db.types

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "provider_events",
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("provider_event_id", sa.String(length=255), nullable=False),
        sa.Column("provider_payment_id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("received_at", faktura.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_events")),
        sa.UniqueConstraint(
            "provider",
            "provider_event_id",
            name=op.f("uq_provider_events_provider_provider_event_id"),
        ),
    )
    op.create_table(
        "payment_links",
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("amount", faktura.db.types.ExactDecimal(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("installments", sa.Integer(), nullable=False),
        sa.Column("single_use", sa.Boolean(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("expires_at", faktura.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", faktura.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deactivated_at", faktura.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("payment_id", sa.Uuid(), nullable=True),
        sa.Column("metadata", faktura.db.types.JSONType, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", faktura.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", faktura.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_payment_links_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_payment_links_document_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_payment_links_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_links")),
        sa.UniqueConstraint("token", name=op.f("uq_payment_links_token")),
    )
    with op.batch_alter_table("payment_links", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payment_links_account_id_livemode_id",
            ["account_id", "livemode", "id"],
            unique=False,
        )
        batch_op.create_index("ix_payment_links_document_id", ["document_id"], unique=False)

    op.create_table(
        "provider_payments",
        sa.Column("link_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("provider_payment_id", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("amount", faktura.db.types.ExactDecimal(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("installments", sa.Integer(), nullable=False),
        sa.Column("amount_refunded", faktura.db.types.ExactDecimal(), nullable=False),
        sa.Column("failure_code", sa.String(length=64), nullable=True),
        sa.Column("failure_message", sa.Text(), nullable=True),
        sa.Column("payment_id", sa.Uuid(), nullable=True),
        sa.Column("provider_data", faktura.db.types.JSONType, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", faktura.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", faktura.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_provider_payments_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["payment_links.id"],
            name=op.f("fk_provider_payments_link_id_payment_links"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_provider_payments_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_payments")),
        sa.UniqueConstraint(
            "provider",
            "provider_payment_id",
            name=op.f("uq_provider_payments_provider_provider_payment_id"),
        ),
    )
    with op.batch_alter_table("provider_payments", schema=None) as batch_op:
        batch_op.create_index("ix_provider_payments_link_id", ["link_id"], unique=False)

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("installments", sa.Integer(), nullable=True))

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payment_link_id", sa.Uuid(), nullable=True))

    op.create_table(
        "provider_accounts",
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("publishable_key", sa.String(length=255), nullable=True),
        sa.Column("secret_key_encrypted", sa.Text(), nullable=False),
        sa.Column("secret_key_last4", sa.String(length=4), nullable=False),
        sa.Column("webhook_secret_encrypted", sa.Text(), nullable=True),
        sa.Column("api_base_url", sa.String(length=500), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", faktura.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", faktura.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_provider_accounts_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_accounts")),
        sa.UniqueConstraint(
            "account_id",
            "livemode",
            "provider",
            name=op.f("uq_provider_accounts_account_id_livemode_provider"),
        ),
    )


def downgrade() -> None:
    op.drop_table("provider_accounts")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("payment_link_id")

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_column("installments")

    with op.batch_alter_table("provider_payments", schema=None) as batch_op:
        batch_op.drop_index("ix_provider_payments_link_id")

    op.drop_table("provider_payments")
    with op.batch_alter_table("payment_links", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_links_document_id")
        batch_op.drop_index("ix_payment_links_account_id_livemode_id")

    op.drop_table("payment_links")
    op.drop_table("provider_events")
