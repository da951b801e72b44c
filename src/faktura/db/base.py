"""Declarative base, naming convention and the mixins every table uses."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import ForeignKey, MetaData, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from faktura.core.clock import utcnow
from faktura.core.ids import uuid7
from faktura.db.types import ExactDecimal, JSONType, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        Decimal: ExactDecimal(),
        uuid.UUID: Uuid(),
        dict[str, Any]: JSONType,
        list[Any]: JSONType,
    }


class IdMixin:
    """A UUIDv7 primary key: ordering by id is ordering by creation."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)


def _same_as_created_at(context: Any) -> datetime:
    """A new row's updated_at is its created_at: one instant, so it reads as never changed."""
    created_at: datetime = context.get_current_parameters()["created_at"]
    return created_at


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=_same_as_created_at, onupdate=utcnow)


class TenantMixin:
    """A row owned by one account, in live or test mode."""

    @declared_attr
    def account_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=False)

    livemode: Mapped[bool] = mapped_column()
