"""A transaction's copy of an account's active webhook endpoints, read once.

A request that records several events (create + issue records two) asks the database once for
the endpoints that may want them. The copy lives in the session, so it goes with the
transaction; anything that changes an endpoint calls `forget` in the same transaction.
"""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.webhooks.models import WebhookEndpoint

_KEY = "faktura.active_webhook_endpoints"


async def read(
    session: AsyncSession, account_id: uuid.UUID, livemode: bool
) -> list[tuple[uuid.UUID, Any]]:
    """(id, events) of the account's active endpoints in this mode."""
    known: dict[tuple[uuid.UUID, bool], list[tuple[uuid.UUID, Any]]]
    known = session.info.setdefault(_KEY, {})
    if (account_id, livemode) not in known:
        rows = await session.execute(
            select(WebhookEndpoint.id, WebhookEndpoint.events)
            .where(
                WebhookEndpoint.account_id == account_id,
                WebhookEndpoint.livemode == livemode,
                WebhookEndpoint.is_active.is_(True),
            )
            # Pending rows of the request need not be written for this: they go later, together.
            .execution_options(autoflush=False)
        )
        known[(account_id, livemode)] = [(row.id, row.events) for row in rows]
    return known[(account_id, livemode)]


def forget(session: AsyncSession) -> None:
    """The transaction changed an endpoint: the next event reads the endpoints again."""
    session.info.pop(_KEY, None)
