"""Parties (customers and suppliers), their contacts, and the tags customers carry."""

import uuid

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from faktura.db.base import Base, IdMixin, TenantMixin, TimestampMixin
from faktura.db.types import AddressData, ElectronicAddressData, JSONType, MetadataData

CUSTOMER = "customer"
SUPPLIER = "supplier"

customer_tags = Table(
    "customer_tags",
    Base.metadata,
    Column(
        "customer_id",
        ForeignKey("parties.id", ondelete="CASCADE"),
        primary_key=True,
        nullable=False,
    ),
    Column(
        "tag_id",
        ForeignKey("tags.id", ondelete="CASCADE"),
        primary_key=True,
        nullable=False,
        index=True,
    ),
)


class Party(IdMixin, TimestampMixin, TenantMixin, Base):
    """A customer or a supplier: the same fields, told apart by `kind`."""

    __tablename__ = "parties"
    __table_args__ = (
        Index("ix_parties_account_id_livemode_kind_id", "account_id", "livemode", "kind", "id"),
        Index(
            "uq_parties_account_id_livemode_kind_external_id",
            "account_id",
            "livemode",
            "kind",
            "external_id",
            unique=True,
        ),
        # Substring search (LIKE '%term%') on PostgreSQL goes through this trigram index; on
        # SQLite it is a plain index that LIKE does not use.
        Index(
            "ix_parties_search_text",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
    )

    kind: Mapped[str] = mapped_column(String(16))
    company_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(64))
    tax_id: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[AddressData] = mapped_column(JSONType, default=dict)
    # Where e-invoices reach the party (Peppol), EN 16931 BT-49.
    electronic_address: Mapped[ElectronicAddressData | None] = mapped_column(JSONType)
    currency: Mapped[str] = mapped_column(String(3))
    timezone: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(35))
    external_id: Mapped[str | None] = mapped_column(String(255))
    notes: Mapped[str | None] = mapped_column(Text)
    # False: the account's reminder policy sends this customer nothing (sends still go).
    reminders_enabled: Mapped[bool] = mapped_column(default=True)
    # `metadata` is taken by SQLAlchemy's declarative base; the column keeps the API's name.
    metadata_: Mapped[MetadataData] = mapped_column("metadata", JSONType, default=dict)
    # Case-folded company name, email, tax id, external id and contact names and emails, kept
    # in step by the service: one indexed column answers the customer search.
    search_text: Mapped[str] = mapped_column(Text, default="")

    contacts: Mapped[list["Contact"]] = relationship(
        back_populates="party",
        lazy="raise",
        order_by="Contact.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    tags: Mapped[list["Tag"]] = relationship(
        secondary=customer_tags, lazy="raise", order_by="Tag.name_key", passive_deletes=True
    )


class Contact(IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_account_id_livemode_id", "account_id", "livemode", "id"),
        Index("ix_contacts_customer_id_id", "customer_id", "id"),
        # At most one primary contact per customer, whatever two requests do at once.
        Index(
            "uq_contacts_customer_id_primary",
            "customer_id",
            unique=True,
            sqlite_where=text("is_primary"),
            postgresql_where=text("is_primary"),
        ),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    contact_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(64))
    phone_type: Mapped[str | None] = mapped_column(String(16))
    phone_secondary: Mapped[str | None] = mapped_column(String(64))
    phone_type_secondary: Mapped[str | None] = mapped_column(String(16))
    is_primary: Mapped[bool] = mapped_column(default=False)
    escalation_level: Mapped[int] = mapped_column(default=0)
    title: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)

    party: Mapped[Party] = relationship(back_populates="contacts", lazy="raise")


class Tag(IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("account_id", "livemode", "name_key"),)

    name: Mapped[str] = mapped_column(String(100))
    # The case-folded name: "VIP" and "vip" are one tag.
    name_key: Mapped[str] = mapped_column(String(100))
