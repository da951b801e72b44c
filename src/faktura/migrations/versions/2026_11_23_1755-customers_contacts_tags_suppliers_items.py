"""customers contacts tags suppliers items

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 17:55:47.667065+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import faktura.db.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Trigram indexes let PostgreSQL answer LIKE '%term%' from an index (customer and
        # item search). The extension is trusted: the database owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # ix_parties_search_text and ix_items_search_text are GIN trigram indexes on PostgreSQL;
    # SQLite has neither, makes them plain indexes, and searches with LIKE over the rows.
    op.create_table(
        "items",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("unit_price", faktura.db.types.ExactDecimal(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("unit", sa.String(length=50), nullable=True),
        sa.Column("unit_code", sa.String(length=3), nullable=True),
        sa.Column("sku", sa.String(length=100), nullable=True),
        sa.Column("vat_type", sa.String(length=16), nullable=False),
        sa.Column("vat_rate_id", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", faktura.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", faktura.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_items_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_items")),
    )
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_items_account_id_livemode_id", ["account_id", "livemode", "id"], unique=False
        )
        batch_op.create_index(
            "ix_items_search_text",
            ["search_text"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        )
        batch_op.create_index(
            "uq_items_account_id_livemode_sku", ["account_id", "livemode", "sku"], unique=True
        )

    op.create_table(
        "parties",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("company_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("tax_id", sa.String(length=64), nullable=True),
        sa.Column("address", faktura.db.types.JSONType, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("locale", sa.String(length=35), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("metadata", faktura.db.types.JSONType, nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", faktura.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", faktura.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_parties_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parties")),
    )
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.create_index(
            "ix_parties_account_id_livemode_kind_id",
            ["account_id", "livemode", "kind", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_parties_search_text",
            ["search_text"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        )
        batch_op.create_index(
            "uq_parties_account_id_livemode_kind_external_id",
            ["account_id", "livemode", "kind", "external_id"],
            unique=True,
        )

    op.create_table(
        "tags",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_key", sa.String(length=100), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", faktura.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", faktura.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_tags_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint(
            "account_id", "livemode", "name_key", name=op.f("uq_tags_account_id_livemode_name_key")
        ),
    )
    op.create_table(
        "contacts",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("phone_type", sa.String(length=16), nullable=True),
        sa.Column("phone_secondary", sa.String(length=64), nullable=True),
        sa.Column("phone_type_secondary", sa.String(length=16), nullable=True),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", faktura.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", faktura.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_contacts_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["parties.id"],
            name=op.f("fk_contacts_customer_id_parties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contacts_account_id_livemode_id", ["account_id", "livemode", "id"], unique=False
        )
        batch_op.create_index("ix_contacts_customer_id_id", ["customer_id", "id"], unique=False)
        batch_op.create_index(
            "uq_contacts_customer_id_primary",
            ["customer_id"],
            unique=True,
            sqlite_where=sa.text("is_primary"),
            postgresql_where=sa.text("is_primary"),
        )

    op.create_table(
        "customer_tags",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("tag_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["parties.id"],
            name=op.f("fk_customer_tags_customer_id_parties"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_customer_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("customer_id", "tag_id", name=op.f("pk_customer_tags")),
    )
    with op.batch_alter_table("customer_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_tags_tag_id"), ["tag_id"], unique=False)


def downgrade() -> None:
    # pg_trgm stays installed: other objects of the database may use it.
    with op.batch_alter_table("customer_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_tags_tag_id"))

    op.drop_table("customer_tags")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_contacts_customer_id_primary",
            sqlite_where=sa.text("is_primary"),
            postgresql_where=sa.text("is_primary"),
        )
        batch_op.drop_index("ix_contacts_customer_id_id")
        batch_op.drop_index("ix_contacts_account_id_livemode_id")

    op.drop_table("contacts")
    op.drop_table("tags")
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.drop_index("uq_parties_account_id_livemode_kind_external_id")
        batch_op.drop_index(
            "ix_parties_search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        )
        batch_op.drop_index("ix_parties_account_id_livemode_kind_id")

    op.drop_table("parties")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("uq_items_account_id_livemode_sku")
        batch_op.drop_index(
            "ix_items_search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        )
        batch_op.drop_index("ix_items_account_id_livemode_id")

    op.drop_table("items")
