"""Whether a database error means the connection was lost (answer 503, retry) or not.

A restart, a failover or a terminated backend leaves the pool holding dead connections;
the first request to use one fails with a driver error that a retry fixes. Every other
database error (a constraint, a bad statement) would fail the same way again.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

import asyncpg
import sqlalchemy.exc

DATABASE_RETRY_AFTER: Final = "1"
CONNECTION_LOST_DETAIL: Final = "the database connection was lost; retry the request"
POOL_EXHAUSTED_DETAIL: Final = "no database connection was free in time; retry the request"
DRIVER_MODULES: Final = frozenset({"asyncpg", "sqlalchemy"})

SERVER_GONE: Final = (
    # Class 08 but not all of it: a protocol violation (08P01) is a bad statement.
    asyncpg.exceptions.ConnectionDoesNotExistError,  # 08003, closed mid-operation
    asyncpg.exceptions.ConnectionFailureError,  # 08006
    asyncpg.exceptions.ClientCannotConnectError,  # 08001
    asyncpg.exceptions.AdminShutdownError,  # 57P01: pg_terminate_backend, a fast shutdown
    asyncpg.exceptions.CrashShutdownError,  # 57P02
    asyncpg.exceptions.CannotConnectNowError,  # 57P03: starting up or shutting down
)
"""Driver errors that say the server ended the connection (or would not take one)."""


def causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it was raised from, outermost first: SQLAlchemy wraps the
    dialect's error (``orig``), which is raised from asyncpg's own."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        orig = current.orig if isinstance(current, sqlalchemy.exc.DBAPIError) else None
        current = orig if orig is not None else current.__cause__


def _raised_in_driver(exc: BaseException) -> bool:
    """Whether the traceback of ``exc`` passes through asyncpg or SQLAlchemy (an
    ``OSError`` elsewhere, a file or a socket of our own, is not the database's)."""
    frame = exc.__traceback__
    while frame is not None:
        module = str(frame.tb_frame.f_globals.get("__name__", ""))
        if module.partition(".")[0] in DRIVER_MODULES:
            return True
        frame = frame.tb_next
    return False


def _connection_gone(exc: BaseException, *, from_driver: bool) -> bool:
    if isinstance(exc, SERVER_GONE):
        return True
    if isinstance(exc, asyncpg.exceptions.InterfaceError):
        message = str(exc).lower()
        return "connection" in message and "closed" in message
    return from_driver and isinstance(exc, OSError)  # reset, refused, broken pipe …


def database_unavailable(exc: BaseException) -> str | None:
    """Why ``exc`` means the database could not be used for this request, as the detail to
    answer with (503), or None when it is some other error.

    That is: a connection SQLAlchemy invalidated as a disconnect, asyncpg finding its
    connection closed or the server ending it (terminated backend, restart, failover), an
    ``OSError`` out of the driver (connection reset or refused), and the pool giving no
    connection within its timeout. A constraint violation or a bad statement is not: it
    would fail the same way again.
    """
    if isinstance(exc, sqlalchemy.exc.TimeoutError):
        return POOL_EXHAUSTED_DETAIL
    if isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated:
        return CONNECTION_LOST_DETAIL
    from_driver = isinstance(exc, sqlalchemy.exc.DBAPIError) or _raised_in_driver(exc)
    if any(_connection_gone(cause, from_driver=from_driver) for cause in causes(exc)):
        return CONNECTION_LOST_DETAIL
    return None


DATABASE_ERRORS: Final = (
    sqlalchemy.exc.DBAPIError,
    sqlalchemy.exc.TimeoutError,
    asyncpg.exceptions.PostgresError,
    asyncpg.exceptions.InterfaceError,
    OSError,
)
"""The exception classes :func:`database_unavailable` may say yes to."""
