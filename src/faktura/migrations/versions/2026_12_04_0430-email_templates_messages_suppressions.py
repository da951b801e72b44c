"""email: templates, messages, suppressed addresses; reminder policy and opt-out

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 04:30:17.093544+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import faktura.db.types

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "email_suppressions",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", faktura.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_email_suppressions_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_suppressions")),
        sa.UniqueConstraint(
            "account_id",
            "livemode",
            "email",
            name=op.f("uq_email_suppressions_account_id_livemode_email"),
        ),
    )
    op.create_table(
        "email_templates",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("locale", sa.String(length=35), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", faktura.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", faktura.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_email_templates_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_templates")),
    )
    with op.batch_alter_table("email_templates", schema=None) as batch_op:
        batch_op.create_index(
            "ix_email_templates_account_id_livemode_id",
            ["account_id", "livemode", "id"],
            unique=False,
        )

    op.create_table(
        "messages",
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("template_id", sa.Uuid(), nullable=True),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("reminder_key", sa.String(length=120), nullable=True),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("to_given", faktura.db.types.JSONType, nullable=True),
        sa.Column("cc_given", faktura.db.types.JSONType, nullable=False),
        sa.Column("cc_self", sa.Boolean(), nullable=False),
        sa.Column("attach_pdf", sa.Boolean(), nullable=False),
        sa.Column("to_addresses", faktura.db.types.JSONType, nullable=False),
        sa.Column("cc_addresses", faktura.db.types.JSONType, nullable=False),
        sa.Column("from_address", sa.String(length=400), nullable=True),
        sa.Column("reply_to", sa.String(length=320), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("html_body", sa.Text(), nullable=True),
        sa.Column("text_body", sa.Text(), nullable=True),
        sa.Column("message_id_header", sa.String(length=300), nullable=False),
        sa.Column("scheduled_at", faktura.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", faktura.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_response", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", faktura.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", faktura.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_messages_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_messages_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint(
            "account_id",
            "livemode",
            "reminder_key",
            name=op.f("uq_messages_account_id_livemode_reminder_key"),
        ),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_messages_account_id_livemode_id", ["account_id", "livemode", "id"], unique=False
        )
        batch_op.create_index("ix_messages_document_id", ["document_id"], unique=False)

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "email_settings", faktura.db.types.JSONType, nullable=False, server_default="{}"
            )
        )
        batch_op.add_column(
            sa.Column("reminders", faktura.db.types.JSONType, nullable=False, server_default="{}")
        )

    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminders_enabled", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.drop_column("reminders_enabled")

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("reminders")
        batch_op.drop_column("email_settings")

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_document_id")
        batch_op.drop_index("ix_messages_account_id_livemode_id")

    op.drop_table("messages")
    with op.batch_alter_table("email_templates", schema=None) as batch_op:
        batch_op.drop_index("ix_email_templates_account_id_livemode_id")

    op.drop_table("email_templates")
    op.drop_table("email_suppressions")
