"""The event log, which is also the outbox for webhooks."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from faktura.db.base import Base, IdMixin, TenantMixin


class Event(IdMixin, TenantMixin, Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_account_id_livemode_id", "account_id", "livemode", "id"),
        Index("ix_events_account_id_livemode_type_id", "account_id", "livemode", "type", "id"),
        Index("ix_events_created_at", "created_at"),
    )

    type: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[uuid.UUID | None] = mapped_column()
    data: Mapped[dict[str, Any]] = mapped_column()
    request_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column()
