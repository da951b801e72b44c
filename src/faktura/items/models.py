"""The item catalog: products and services to put on documents."""

from decimal import Decimal

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from faktura.db.base import Base, IdMixin, TenantMixin, TimestampMixin
from faktura.db.types import unit_price_column


class Item(IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "items"
    __table_args__ = (
        Index("ix_items_account_id_livemode_id", "account_id", "livemode", "id"),
        Index("uq_items_account_id_livemode_sku", "account_id", "livemode", "sku", unique=True),
        # Substring search on PostgreSQL goes through this trigram index (see parties).
        Index(
            "ix_items_search_text",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
    )

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    unit_price: Mapped[Decimal] = mapped_column(unit_price_column())
    currency: Mapped[str] = mapped_column(String(3))
    unit: Mapped[str | None] = mapped_column(String(50))
    unit_code: Mapped[str | None] = mapped_column(String(3))
    sku: Mapped[str | None] = mapped_column(String(100))
    vat_type: Mapped[str] = mapped_column(String(16))
    vat_rate_id: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    # Case-folded name, sku and description, kept in step by the service.
    search_text: Mapped[str] = mapped_column(Text, default="")
