"""jobs: one queue for all background work

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 08:35:46.326461+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import faktura.db.types
from faktura.core.ids import uuid7

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload", faktura.db.types.JSONType, nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("livemode", sa.Boolean(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("run_at", faktura.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_token", sa.Uuid(), nullable=True),
        sa.Column("lease_until", faktura.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("result", faktura.db.types.JSONType, nullable=True),
        sa.Column("created_at", faktura.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", faktura.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", faktura.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("kind", "dedupe_key", name=op.f("uq_jobs_kind_dedupe_key")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_status_finished_at", ["status", "finished_at"], unique=False)
        batch_op.create_index("ix_jobs_status_run_at", ["status", "run_at"], unique=False)

    # Deliveries waiting to be sent now wait as jobs of the runner (webhooks/jobs.py), one
    # per delivery, keyed by its id, due when the delivery was.
    _enqueue_pending_deliveries()

    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_status_next_attempt_at"))
        batch_op.drop_column("lease_token")
        batch_op.drop_column("lease_expires_at")


def _enqueue_pending_deliveries() -> None:
    bind = op.get_bind()
    deliveries = sa.table(
        "webhook_deliveries",
        sa.column("id", sa.Uuid()),
        sa.column("account_id", sa.Uuid()),
        sa.column("livemode", sa.Boolean()),
        sa.column("status", sa.String()),
        sa.column("next_attempt_at", faktura.db.types.UTCDateTime()),
        sa.column("created_at", faktura.db.types.UTCDateTime()),
    )
    jobs = sa.table(
        "jobs",
        sa.column("id", sa.Uuid()),
        sa.column("kind", sa.String()),
        sa.column("payload", faktura.db.types.JSONType),
        sa.column("account_id", sa.Uuid()),
        sa.column("livemode", sa.Boolean()),
        sa.column("dedupe_key", sa.String()),
        sa.column("status", sa.String()),
        sa.column("run_at", faktura.db.types.UTCDateTime()),
        sa.column("attempts", sa.Integer()),
        sa.column("created_at", faktura.db.types.UTCDateTime()),
        sa.column("updated_at", faktura.db.types.UTCDateTime()),
    )
    pending = bind.execute(
        sa.select(
            deliveries.c.id,
            deliveries.c.account_id,
            deliveries.c.livemode,
            deliveries.c.next_attempt_at,
            deliveries.c.created_at,
        ).where(deliveries.c.status == "pending")
    ).all()
    rows = [
        {
            "id": uuid7(),
            "kind": "webhooks.deliver",
            "payload": {"delivery_id": str(row.id)},
            "account_id": row.account_id,
            "livemode": row.livemode,
            "dedupe_key": str(row.id),
            "status": "queued",
            "run_at": row.next_attempt_at or row.created_at,
            "attempts": 0,
            "created_at": row.created_at,
            "updated_at": row.created_at,
        }
        for row in pending
    ]
    for start in range(0, len(rows), 1000):
        bind.execute(jobs.insert(), rows[start : start + 1000])


def downgrade() -> None:
    # Pending deliveries stay pending and are sent by the previous release's worker, which
    # reads them from webhook_deliveries again; their jobs go with the table.
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "lease_expires_at", faktura.db.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("lease_token", sa.Uuid(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_status_next_attempt_at"),
            ["status", "next_attempt_at"],
            unique=False,
        )

    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_status_run_at")
        batch_op.drop_index("ix_jobs_status_finished_at")

    op.drop_table("jobs")
