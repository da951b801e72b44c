"""The jobs table: every piece of work Faktura does after a commit, one row per job."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from faktura.db.base import Base, IdMixin


class Job(IdMixin, Base):
    """One run of a registered kind (jobs/kinds.py), written in the transaction that wants it.

    status: queued (waiting for `run_at`), running (claimed; `lease_until` is when another
    worker may take it over), succeeded, failed (out of attempts; kept until retried).
    While a job runs, `run_at` equals `lease_until`, so one index serves both "due" and
    "abandoned by a dead worker".
    """

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("kind", "dedupe_key"),
        Index("ix_jobs_status_run_at", "status", "run_at"),
        Index("ix_jobs_status_finished_at", "status", "finished_at"),
    )

    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column()
    # The account (and mode) the work is for; null for work of the whole installation.
    account_id: Mapped[uuid.UUID | None] = mapped_column()
    livemode: Mapped[bool | None] = mapped_column()
    # At most one job per (kind, dedupe_key): a periodic task's period, a delivery's id.
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    run_at: Mapped[datetime] = mapped_column()
    # Claims so far, the current one included.
    attempts: Mapped[int] = mapped_column(Integer)
    lease_token: Mapped[uuid.UUID | None] = mapped_column()
    lease_until: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    # What a finished run reported (counts of what it did), for operators.
    result: Mapped[dict[str, Any] | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
