"""The SQL Faktura sends, read off the real engine (SQLAlchemy's before_cursor_execute)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from faktura.db.session import Database


@contextmanager
def sent_sql(db: Database) -> Iterator[list[tuple[str, Any]]]:
    """(statement, parameters) of everything sent meanwhile, in order."""
    sent: list[tuple[str, Any]] = []

    def record(*args: Any) -> None:
        sent.append((args[2], args[3]))

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
