"""The SQL a request sends, pinned: reads that stay one query, and the number taken last.

Counted with SQLAlchemy's before_cursor_execute on the real engine; transaction control
(BEGIN, COMMIT, SAVEPOINT) is left out, it differs between the databases.
"""

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from faktura.db.session import Database
from tests.accounts.factories import ApiClient
from tests.customers.factories import create_customer
from tests.db.sent import sent_sql
from tests.documents.factories import line

# The table each kind of statement names first; anything else (BEGIN, PRAGMA…) is not counted.
_TABLE = {
    "SELECT": re.compile(r"\bFROM\s+(\w+)"),
    "INSERT": re.compile(r"^INSERT\s+INTO\s+(\w+)"),
    "UPDATE": re.compile(r"^UPDATE\s+(\w+)"),
    "DELETE": re.compile(r"^DELETE\s+FROM\s+(\w+)"),
}


@contextmanager
def statements(db: Database) -> Iterator[list[tuple[str, str]]]:
    """(verb, table) of every statement sent meanwhile, in order."""
    counted: list[tuple[str, str]] = []
    with sent_sql(db) as sent:
        yield counted
    for sql, _ in sent:
        text = sql.strip()
        verb = text.split(None, 1)[0].upper()
        if verb in _TABLE and (found := _TABLE[verb].search(text)):
            counted.append((verb, found[1]))


async def test_an_invoice_is_read_in_one_query(api: ApiClient, db: Database) -> None:
    customer = await create_customer(api)
    invoice = (
        await api.post("/v1/invoices", json={"customer_id": customer["id"], "line_items": [line()]})
    ).json()
    await api.get(f"/v1/invoices/{invoice['id']}")  # the process now knows the key

    with statements(db) as sent:
        assert (await api.get(f"/v1/invoices/{invoice['id']}")).status_code == 200

    assert sent == [("SELECT", "documents")]  # its stored text, the key known


async def test_a_page_with_more_after_it_is_one_query(api: ApiClient, db: Database) -> None:
    """Stored texts, not rows and lines; the count in the same statement."""
    customer = await create_customer(api)
    body = {"customer_id": customer["id"], "line_items": [line(), line()]}
    for _ in range(3):
        assert (await api.post("/v1/invoices", json=body)).status_code == 201

    with statements(db) as sent:
        page = (await api.get("/v1/invoices?per_page=2")).json()

    assert (len(page["data"]), page["total"], page["has_more"]) == (2, 3, True)
    assert sent == [("SELECT", "documents")]


async def test_create_and_issue_takes_the_number_last(api: ApiClient, db: Database) -> None:
    customer = await create_customer(api)
    body = {"customer_id": customer["id"], "line_items": [line(), line(), line()]}
    assert (await api.post("/v1/invoices", json=body)).status_code == 201

    with statements(db) as sent:
        assert (await api.post("/v1/invoices", json=body)).status_code == 201

    counter = sent.index(("UPDATE", "document_counters"))
    assert Counter(sent[:counter]) == Counter(
        [
            ("SELECT", "accounts"),
            ("SELECT", "parties"),  # the customer alone: no contacts, no tags
            ("SELECT", "webhook_endpoints"),  # once for the request's two events
            ("SELECT", "clearance_settings"),  # once too: whether the account clears
            ("INSERT", "documents"),
            ("INSERT", "document_lines"),  # every line in one statement
            ("INSERT", "events"),
            ("INSERT", "accounting_changes"),
        ]
    )
    # Under the sequence's lock: only the writes that carry the number, and the job that
    # archives the PDF (enqueued by the finalized event).
    assert sent[counter + 1 :] == [
        ("UPDATE", "documents"),
        ("INSERT", "events"),
        ("INSERT", "accounting_changes"),
        ("INSERT", "jobs"),
    ]
