"""Questions other domains ask about documents (they import this, never the tables)."""

import uuid

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.core.tenant import Tenant
from faktura.documents.models import Document, DocumentLine


async def customer_has_issued_documents(
    session: AsyncSession,
    tenant: Tenant,
    customer_id: uuid.UUID,
) -> bool:
    return bool(
        (
            await session.execute(
                select(
                    exists().where(
                        Document.account_id == tenant.account_id,
                        Document.livemode == tenant.livemode,
                        Document.customer_id == customer_id,
                        Document.number.is_not(None),
                    )
                )
            )
        ).scalar()
    )


async def customer_has_documents(
    session: AsyncSession,
    tenant: Tenant,
    customer_id: uuid.UUID,
) -> bool:
    return bool(
        (
            await session.execute(
                select(
                    exists().where(
                        Document.account_id == tenant.account_id,
                        Document.livemode == tenant.livemode,
                        Document.customer_id == customer_id,
                    )
                )
            )
        ).scalar()
    )


async def item_is_used(session: AsyncSession, tenant: Tenant, item_id: uuid.UUID) -> bool:
    return bool(
        (
            await session.execute(
                select(
                    exists().where(
                        DocumentLine.item_id == item_id,
                        DocumentLine.document_id == Document.id,
                        Document.account_id == tenant.account_id,
                        Document.livemode == tenant.livemode,
                    )
                )
            )
        ).scalar()
    )


async def delete_draft_documents_of_customer(
    session: AsyncSession,
    tenant: Tenant,
    customer_id: uuid.UUID,
) -> int:
    """Drafts are not records yet: they go with their customer."""
    drafts = (
        (
            await session.execute(
                select(Document.id).where(
                    Document.account_id == tenant.account_id,
                    Document.livemode == tenant.livemode,
                    Document.customer_id == customer_id,
                    Document.status == "draft",
                )
            )
        )
        .scalars()
        .all()
    )
    for document_id in drafts:
        await session.delete(await session.get_one(Document, document_id))
    await session.flush()
    return len(drafts)
