"""Gapless numbering under concurrency, and the rollback of a failed issue."""

import asyncio

from sqlalchemy import select

from faktura.db.session import Database
from faktura.documents.models import DocumentCounter
from tests.accounts.factories import ApiClient
from tests.customers.factories import create_customer
from tests.documents.factories import ISSUE_DATE, line

COUNT = 200


async def test_two_hundred_concurrent_finalizations_number_1_to_200(api: ApiClient) -> None:
    customer = await create_customer(api)
    drafts = []
    for _ in range(COUNT):
        response = await api.post(
            "/v1/invoices",
            json={
                "customer_id": customer["id"],
                "issue_date": ISSUE_DATE,
                "status": "draft",
                "line_items": [line()],
            },
        )
        assert response.status_code == 201
        drafts.append(response.json()["id"])

    responses = await asyncio.gather(
        *(api.post(f"/v1/invoices/{draft}/finalize") for draft in drafts)
    )

    assert [r.status_code for r in responses] == [200] * COUNT
    numbers = sorted(r.json()["number"] for r in responses)
    assert numbers == [f"INV-2026-{n:04d}" for n in range(1, COUNT + 1)]


async def test_concurrent_creates_of_issued_documents_are_gapless_too(api: ApiClient) -> None:
    customer = await create_customer(api)
    bodies = [
        {"customer_id": customer["id"], "issue_date": ISSUE_DATE, "line_items": [line()]}
        for _ in range(40)
    ]
    # Every fifth request fails after validation has begun: it must not consume a number.
    for index in range(0, 40, 5):
        bodies[index]["line_items"] = [line(vat_rate_id="vat_missing")]

    responses = await asyncio.gather(*(api.post("/v1/receipts", json=b) for b in bodies))

    assert sorted(r.status_code for r in responses) == [201] * 32 + [422] * 8
    numbers = sorted(r.json()["number"] for r in responses if r.status_code == 201)
    assert numbers == [f"RCT-2026-{n:04d}" for n in range(1, 33)]


async def test_sequences_are_per_year_and_per_type(api: ApiClient) -> None:
    customer = await create_customer(api)

    async def issue(path: str, issue_date: str) -> str:
        response = await api.post(
            f"/v1/{path}",
            json={"customer_id": customer["id"], "issue_date": issue_date, "line_items": [line()]},
        )
        assert response.status_code == 201, response.text
        number: str = response.json()["number"]
        return number

    assert await issue("invoices", "2026-12-31") == "INV-2026-0001"
    assert await issue("invoices", "2027-01-01") == "INV-2027-0001"
    assert await issue("invoices", "2026-06-01") == "INV-2026-0002"
    assert await issue("quotes", "2026-06-01") == "QUO-2026-0001"


async def test_a_new_years_sequence_skips_a_number_given_by_hand_before_it_began(
    api: ApiClient, db: Database
) -> None:
    customer = await create_customer(api)

    async def issue(issue_date: str, number: str | None = None) -> str:
        body = {"customer_id": customer["id"], "issue_date": issue_date, "line_items": [line()]}
        if number is not None:
            body["number"] = number
        response = await api.post("/v1/invoices", json=body)
        assert response.status_code == 201, response.text
        issued: str = response.json()["number"]
        return issued

    assert await issue("2026-03-01") == "INV-2026-0001"
    assert await manual_flags(db, api, "invoice") == {2026: False}
    # Given by hand in 2026, in the form the 2027 sequence will take.
    assert await issue("2026-03-02", "INV-2027-0001") == "INV-2027-0001"
    assert await manual_flags(db, api, "invoice") == {2026: True}

    assert await issue("2027-01-04") == "INV-2027-0002"
    assert await issue("2026-03-03") == "INV-2026-0002"
    assert await manual_flags(db, api, "invoice") == {2026: True, 2027: True}
    # Another type never had a number given by hand: its numbers are not checked.
    assert (
        await api.post(
            "/v1/quotes",
            json={
                "customer_id": customer["id"],
                "issue_date": "2026-03-03",
                "line_items": [line()],
            },
        )
    ).json()["number"] == "QUO-2026-0001"
    assert await manual_flags(db, api, "quote") == {2026: False}


async def manual_flags(db: Database, api: ApiClient, doc_type: str) -> dict[int, bool]:
    async with db.transaction(writes=False) as session:
        rows = await session.execute(
            select(DocumentCounter.year, DocumentCounter.manual_numbers).where(
                DocumentCounter.account_id == api.account_id,
                DocumentCounter.type == doc_type,
            )
        )
        return {year: flag for year, flag in rows}
