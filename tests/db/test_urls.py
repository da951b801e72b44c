"""Database URLs as people write them get Faktura's async drivers; one that cannot work is a
one-line error."""

import re

import pytest

from faktura.config import Settings
from faktura.db.urls import async_database_url


@pytest.mark.parametrize(
    ("written", "used"),
    [
        ("sqlite:///var/faktura.db", "sqlite+aiosqlite:///var/faktura.db"),
        ("sqlite:////srv/faktura.db", "sqlite+aiosqlite:////srv/faktura.db"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("postgresql://app@db:5432/faktura", "postgresql+psycopg://app@db:5432/faktura"),
        ("postgres://app:s3cret@db/faktura", "postgresql+psycopg://app:s3cret@db/faktura"),
        ("POSTGRES://app@db/faktura", "postgresql+psycopg://app@db/faktura"),
        ("postgresql+psycopg://app@db/faktura", "postgresql+psycopg://app@db/faktura"),
    ],
)
def test_plain_urls_get_the_async_driver(written: str, used: str) -> None:
    assert async_database_url(written) == used
    assert Settings(database_url=written).database_url == used


@pytest.mark.parametrize(
    ("written", "message"),
    [
        (
            "mysql://app@db/faktura",
            "unsupported database 'mysql://': Faktura runs on SQLite (sqlite:///path) and "
            "PostgreSQL (postgresql://user@host:5432/database)",
        ),
        (
            "postgresql+psycopg2://app@db/faktura",
            "unsupported database 'postgresql+psycopg2://': Faktura runs on SQLite "
            "(sqlite:///path) and PostgreSQL (postgresql://user@host:5432/database)",
        ),
        (
            "var/faktura.db",
            "'var/faktura.db' is not a database URL: use sqlite:///path/to/faktura.db or "
            "postgresql://user@host:5432/database",
        ),
    ],
)
def test_a_url_that_cannot_work_is_refused_in_one_line(written: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        async_database_url(written)
