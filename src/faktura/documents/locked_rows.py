"""The documents a transaction has read locked, kept for the rest of it.

Nobody else can change a locked row until the transaction ends, so a later locked read of the
same document in the same transaction needs no query: `queries.get_document(for_update=True)`
and `queries.lock_documents` keep what they locked here, and read it back from here.
"""

import uuid
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.documents.models import Document

_LOCKED = "faktura.locked_documents"


def _locked(session: AsyncSession) -> dict[uuid.UUID, Document]:
    locked: dict[uuid.UUID, Document] = session.info.setdefault(_LOCKED, {})
    return locked


def locked_document(session: AsyncSession, document_id: uuid.UUID) -> Document | None:
    return _locked(session).get(document_id)


def keep_locked(session: AsyncSession, documents: Iterable[Document]) -> None:
    _locked(session).update((document.id, document) for document in documents)
