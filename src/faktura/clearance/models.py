"""An account's clearance settings: which tax authority clears its documents, and how Faktura
reaches it. The outcome of each submission lives on the document (`documents.clearance`)."""

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from faktura.db.base import Base, IdMixin, TenantMixin, TimestampMixin
from faktura.db.types import JSONType


class ClearanceSettings(IdMixin, TimestampMixin, TenantMixin, Base):
    """One per account and mode: a test-mode key clears test documents at the authority's
    sandbox, never in production. Credentials and tokens are stored encrypted with the
    installation's key and never shown again."""

    __tablename__ = "clearance_settings"
    __table_args__ = (UniqueConstraint("account_id", "livemode"),)

    # mydata (Greece, AADE) or il_ita (Israel Tax Authority).
    provider: Mapped[str] = mapped_column(String(16))
    # sandbox or production.
    environment: Mapped[str] = mapped_column(String(16))
    # A send of a document that must be cleared waits for it; a rejection stops it.
    require_before_send: Mapped[bool] = mapped_column(default=False)
    # Where the authority is reached instead of its own address (a fake authority in tests).
    base_url: Mapped[str | None] = mapped_column(String(500))
    # The credentials, JSON, encrypted: AADE's user id and subscription key; ITA's client id
    # and secret.
    credentials_encrypted: Mapped[str] = mapped_column(Text)
    # What the authority needs beyond the document (myDATA's income classification, ITA's
    # software registration number).
    options: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # ITA: the OAuth2 tokens of the account owner's grant, JSON, encrypted, and when the access
    # token expires; the state of a grant under way (its callback must bring it back).
    tokens_encrypted: Mapped[str | None] = mapped_column(Text)
    token_expires_at: Mapped[datetime | None] = mapped_column()
    authorization_state: Mapped[str | None] = mapped_column(String(64), unique=True)
