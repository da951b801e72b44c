"""No read transaction writes: every test fails that made one do so.

Faktura opens read transactions (GET routes, jobs reading before they work) deferred on
SQLite; one that writes fails with "database is locked" at once whenever another connection
wrote since it began — a failure that shows only under concurrency. Every statement that
changes rows is checked against the transaction kind it runs in, on both databases.
"""

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

_WRITES = ("INSERT", "UPDATE", "DELETE")
offences: list[str] = []


@event.listens_for(Engine, "before_cursor_execute")
def _check(connection: Any, _cursor: Any, statement: str, *_args: Any, **_kwargs: Any) -> None:
    words = statement.lstrip().split(None, 1)
    if not words or words[0].upper() not in _WRITES:
        return
    if connection.get_execution_options().get("faktura_writes") is False:
        offences.append(statement[:120])


def taken() -> list[str]:
    """The offences since the last call, which clears them."""
    found = list(offences)
    offences.clear()
    return found
