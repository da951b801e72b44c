"""Database URLs as people write them, turned into the async drivers Faktura runs on.

`sqlite:///var/faktura.db`, `postgresql://user@host/db` and Heroku-style `postgres://…` are what
everyone writes; SQLAlchemy would pick a synchronous driver for each (or, for `postgres://`, none).
Faktura runs on aiosqlite and psycopg 3, so the plain forms are given those drivers here, once.
"""

_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
    "postgresql+psycopg_async": "postgresql+psycopg",
}


def async_database_url(url: str) -> str:
    """The URL with Faktura's async driver; ValueError, in one line, for one that cannot work."""
    scheme, separator, rest = url.strip().partition("://")
    if not separator:
        raise ValueError(
            f"'{url}' is not a database URL: use sqlite:///path/to/faktura.db or "
            "postgresql://user@host:5432/database"
        )
    driver = _DRIVERS.get(scheme.lower())
    if driver is None:
        raise ValueError(
            f"unsupported database '{scheme}://': Faktura runs on SQLite (sqlite:///path) and "
            "PostgreSQL (postgresql://user@host:5432/database)"
        )
    return f"{driver}://{rest}"
