"""Which database failures mean "the database is not there" rather than "this code is wrong".

The first kind answers 503 `service_unavailable` with Retry-After: nothing was written and the
same request can succeed later. Everything else stays a 500, an error to fix.
"""

import asyncio

from sqlalchemy import exc as sa

# SQLSTATE classes and codes of PostgreSQL that say the server, not the statement, failed:
# 08 connection exception, 53 insufficient resources (too many connections, out of memory or
# disk), 57014 a statement cancelled by statement_timeout, 57P01-57P05 shutdown and startup.
_UNAVAILABLE_CLASSES = ("08", "53")
_UNAVAILABLE_CODES = frozenset({"57014", "57P01", "57P02", "57P03", "57P04", "57P05"})

# SQLite: the file cannot be opened or read, or another process held the write lock for the
# whole busy timeout.
_SQLITE_UNAVAILABLE = ("unable to open database file", "disk i/o error", "database is locked")


def is_unavailable(error: BaseException) -> bool:
    if isinstance(error, sa.TimeoutError | asyncio.TimeoutError | ConnectionError):
        return True  # no pooled connection in time; or the socket itself failed
    if not isinstance(error, sa.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate:
        return sqlstate[:2] in _UNAVAILABLE_CLASSES or sqlstate in _UNAVAILABLE_CODES
    if not isinstance(error, sa.OperationalError | sa.InterfaceError):
        return False
    message = str(error.orig).lower()
    if "sqlite" in type(error.orig).__module__:
        return any(reason in message for reason in _SQLITE_UNAVAILABLE)
    # psycopg reports a failed or lost connection without a SQLSTATE.
    return True
