"""`status.transition`: the one way a document's status changes — checked against the table,
guarded in SQL against a concurrent move, and announced by its events."""

import uuid

import pytest
from sqlalchemy import select

from faktura.core.errors import Conflict, InvalidState
from faktura.core.tenant import Tenant
from faktura.core.types import values_of
from faktura.db.session import Database
from faktura.documents import schemas
from faktura.documents.models import Document
from faktura.documents.queries import get_document
from faktura.documents.status import (
    TRANSITIONS,
    DocumentStatus,
    DocumentType,
    transition,
)
from tests.accounts.factories import ApiClient
from tests.assertions import assert_error
from tests.customers.factories import event_types
from tests.documents.factories import create_document


async def _status(db: Database, document_id: str) -> str:
    async with db.transaction(writes=False) as session:
        status: str = (
            await session.execute(
                select(Document.status).where(Document.id == uuid.UUID(document_id))
            )
        ).scalar_one()
    return status


def test_the_api_names_the_types_the_code_knows() -> None:
    """The schema keeps its literal (the OpenAPI document names it DocumentType); it names the
    same types."""
    assert values_of(schemas.DocumentType) == tuple(DocumentType)
    assert set(TRANSITIONS) == set(DocumentType)


def test_every_type_has_a_row_for_each_status_it_may_reach() -> None:
    for moves in TRANSITIONS.values():
        reached = {status for allowed in moves.values() for status in allowed}
        assert reached <= set(moves)


async def test_an_allowed_move_is_written_and_announced(api: ApiClient, db: Database) -> None:
    quote = await create_document(api, "quotes")
    tenant = Tenant(api.account_id, livemode=False)

    async with db.transaction() as session:
        document = await get_document(session, tenant, uuid.UUID(quote["id"]))
        await transition(session, tenant, document, DocumentStatus.ACCEPTED, events=("accepted",))

    assert await _status(db, quote["id"]) == "accepted"
    assert (await event_types(api))[-1] == "quote.accepted"
    shown = (await api.get(f"/v1/quotes/{quote['id']}")).json()
    assert shown["status"] == "accepted"
    assert shown["updated_at"] > quote["updated_at"]


async def test_a_move_the_table_refuses_is_invalid_state_and_changes_nothing(
    api: ApiClient, db: Database
) -> None:
    quote = await create_document(api, "quotes", status="draft")
    tenant = Tenant(api.account_id, livemode=False)
    before = await event_types(api)

    async with db.transaction() as session:
        document = await get_document(session, tenant, uuid.UUID(quote["id"]))
        with pytest.raises(InvalidState) as refused:
            await transition(
                session, tenant, document, DocumentStatus.ACCEPTED, events=("accepted",)
            )
    assert refused.value.message == "A quote in status 'draft' cannot become 'accepted'"

    response = await api.post(f"/v1/quotes/{quote['id']}/accept")
    error = assert_error(response, 409, "invalid_state")
    assert error["message"] == "A quote in status 'draft' cannot become 'accepted'"
    assert await _status(db, quote["id"]) == "draft"
    assert await event_types(api) == before


async def test_the_loser_of_a_race_gets_a_conflict_and_records_nothing(
    api: ApiClient, db: Database
) -> None:
    """Both read the quote pending; the other transaction declines it first. The move of the
    stale read finds no row in the status it read: Conflict, and no event is written."""
    quote = await create_document(api, "quotes")
    tenant = Tenant(api.account_id, livemode=False)
    async with db.transaction(writes=False) as session:
        stale = await get_document(session, tenant, uuid.UUID(quote["id"]))
    assert stale.status == "pending"

    async with db.transaction() as session:
        winner = await get_document(session, tenant, uuid.UUID(quote["id"]), for_update=True)
        await transition(session, tenant, winner, DocumentStatus.DECLINED, events=("declined",))
    before = await event_types(api)

    async with db.transaction() as session:  # and even committed, it wrote nothing
        session.add(stale)
        with pytest.raises(Conflict) as lost:
            await transition(session, tenant, stale, DocumentStatus.ACCEPTED, events=("accepted",))
    assert lost.value.message == "This quote changed meanwhile; read it again"

    assert await _status(db, quote["id"]) == "declined"
    assert await event_types(api) == before
    assert (await api.get(f"/v1/quotes/{quote['id']}")).json()["status"] == "declined"
