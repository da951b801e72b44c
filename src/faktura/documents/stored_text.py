"""The stored text of documents: the JSON the API shows for each, kept in `documents.rendered`.

Every transaction that changes a document writes, in the flush that writes the change, the JSON
of the document as it now is (`output.document_out`); pages and retrievals send that text
instead of building it again.

A text is shown only while it is current (`CURRENT_TEXT`): written for the row's updated_at,
by this version of the output. Anything that changes a document moves its updated_at — also a
process of an older release during an upgrade, or code that forgot to say so — and a text
written for another updated_at or `OUTPUT_VERSION` is not shown: the document is built from
its row, as when it has no text (made before the column existed).

ORM changes to documents and their lines are noticed at every flush of Faktura's sessions
(`db.session.FakturaSession`); a change made in SQL (`status.transition`) sets the new values on
the object and calls `mark_changed`. The test suite checks after every test that each text is
current and equals `document_out` of the document.

When `document_out` changes what it writes, raise `OUTPUT_VERSION` (a test pins the output of
each version): texts of the old version are then built on reading until rewritten.
"""

import uuid
from itertools import chain
from typing import Any

from sqlalchemy import ColumnElement, and_, case, event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.util import identity_key

from faktura.core.clock import utcnow
from faktura.core.ids import uuid7
from faktura.core.jsoncodec import dumps
from faktura.db.session import FakturaSession
from faktura.documents.models import Document, DocumentLine
from faktura.documents.output import document_out

# Raised whenever `document_out` writes anything differently.
OUTPUT_VERSION = 5

# The stored text where it is current, else null (the document is then built).
CURRENT_TEXT: ColumnElement[str | None] = case(
    (
        and_(
            Document.rendered_version == OUTPUT_VERSION,
            Document.rendered_at == Document.updated_at,
        ),
        Document.rendered,
    ),
    else_=None,
).label("rendered")


def rendered_text(document: Document) -> str:
    return dumps(document_out(document)).decode()


def write_text(document: Document) -> None:
    """Store the document's current text, stamped with what it was written for (after giving
    it the values the flush would: `_stamp`)."""
    _stamp(document)
    document.rendered = rendered_text(document)
    document.rendered_at = document.updated_at
    document.rendered_version = OUTPUT_VERSION


_TEXT_FIELDS = frozenset({"rendered", "rendered_at", "rendered_version"})

# Documents changed in SQL (`mark_changed`) whose text is still to be written, by id.
_CHANGED = "faktura.changed_documents"


def mark_changed(session: Session, document: Document) -> None:
    """Say that `document` changed in a way the ORM did not see (an UPDATE in SQL, whose new
    values, updated_at included, the caller has set on the object)."""
    changed: dict[uuid.UUID, Document] = session.info.setdefault(_CHANGED, {})
    changed[document.id] = document


@event.listens_for(FakturaSession, "before_flush")
def _write_into_the_flush(session: Session, _context: Any, _instances: Any) -> None:
    """The text goes out with the flush that writes the change: no statement of its own."""
    changed: dict[uuid.UUID, Document] = session.info.pop(_CHANGED, {})
    for instance in chain(session.new, session.dirty):
        if isinstance(instance, Document):
            if instance in session.new:
                instance.id = instance.id or uuid7()  # its key here, as the flush would give it
                changed[instance.id] = instance
            elif _changes(instance) - _TEXT_FIELDS:
                changed[instance.id] = instance
        elif isinstance(instance, DocumentLine) and instance.document_id is not None:
            document = session.identity_map.get(identity_key(Document, instance.document_id))
            if isinstance(document, Document):
                changed[document.id] = document
    for document in changed.values():
        if document not in session.deleted and not inspect(document).was_deleted:
            write_text(document)


@event.listens_for(FakturaSession, "before_commit")
def _write_before_commit(session: Session) -> None:
    """A change made in SQL after the last flush: the commit's flush writes its text."""
    for document in session.info.pop(_CHANGED, {}).values():
        if not inspect(document).was_deleted:
            write_text(document)


@event.listens_for(FakturaSession, "after_soft_rollback")
def _forget_changed_documents(session: Session, _transaction: Any) -> None:
    session.info.pop(_CHANGED, None)


def _changes(document: Document) -> set[str]:
    state = inspect(document)
    return {attribute.key for attribute in state.attrs if attribute.history.has_changes()}


def _stamp(document: Document) -> None:
    """Give the document, before its text is written, the values the flush would give it: a new
    one its defaults, a changed one the updated_at of `onupdate`. A document whose changes were
    all written keeps its updated_at: writing its text alone is not a change."""
    if document.id is None or inspect(document).pending:
        document.id = document.id or uuid7()
        document.created_at = document.created_at or utcnow()
        document.updated_at = document.updated_at or document.created_at
        if document.tax_breakdown is None:
            document.tax_breakdown = []
        return
    changed = _changes(document)
    if "updated_at" in changed:
        return
    if changed - _TEXT_FIELDS:
        document.updated_at = utcnow()
    else:
        flag_modified(document, "updated_at")
