"""Database access: schema-bound metadata, the async engine, and the request's session.

The request owns the transaction: :func:`session_dependency` commits when the endpoint
returns and rolls back when it raises. Service code only ``flush()``-es.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from enum import StrEnum
from typing import Annotated, Any

import asyncpg
import structlog
from fastapi import Depends, Request
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.dsn import asyncpg_dsn, mask_password, sqlalchemy_url

log = structlog.get_logger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def schema_metadata(schema: str) -> MetaData:
    """Metadata whose tables live in ``schema``, with stable constraint names."""
    return MetaData(schema=schema, naming_convention=NAMING_CONVENTION)


class PoolerMode(StrEnum):
    """What sits between a service and PostgreSQL (``KAM_DB_POOLER_MODE``)."""

    NONE = "none"  # the server itself, or a pooler in session mode: one server session
    SESSION = "session"
    TRANSACTION = "transaction"  # PgBouncer pool_mode=transaction: a session per transaction


def _unique_statement_name() -> str:
    return f"__asyncpg_{uuid.uuid4().hex}__"


def pooler_connect_args(mode: PoolerMode) -> dict[str, Any]:
    """asyncpg arguments for ``mode``.

    Behind a transaction-mode pooler consecutive transactions may run on different server
    sessions, so nothing may outlive a transaction: no statement caches (asyncpg's and
    SQLAlchemy's), and prepared statements named uniquely so two clients sharing a server
    session never collide on asyncpg's numbered names. Our own code keeps no other session
    state: advisory locks are ``pg_*_xact_lock``, settings ``SET LOCAL``, no LISTEN.
    """
    if mode is not PoolerMode.TRANSACTION:
        return {}
    return {
        "statement_cache_size": 0,
        "prepared_statement_cache_size": 0,
        "prepared_statement_name_func": _unique_statement_name,
    }


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int = 10,
    pooler_mode: PoolerMode = PoolerMode.NONE,
    pre_ping: bool = False,
) -> AsyncEngine:
    """An asyncpg engine; statement caching is on unless a transaction pooler is in front.

    No ping before each checkout by default (measured: a round trip and about 6 % of a
    read's CPU): a connection the server dropped fails its one request with a disconnect
    error, on which SQLAlchemy invalidates every connection of the pool made before it.
    """
    return create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=pre_ping,
        pool_recycle=1800,
        connect_args=pooler_connect_args(pooler_mode),
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (responses are built after)."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


READ_ONLY_METHODS = frozenset({"GET", "HEAD"})


def read_session_factory(
    engine: AsyncEngine, pooler_mode: PoolerMode = PoolerMode.NONE
) -> async_sessionmaker[AsyncSession]:
    """Sessions in autocommit, for requests that only read.

    Every transaction here is READ COMMITTED, where each statement takes its own snapshot
    anyway; a read in autocommit sees exactly the same data, without the BEGIN and COMMIT
    round trips around it (a third of a primary-key read's time, measured). Not behind a
    transaction-mode pooler: outside a transaction it may run a statement's prepare and
    its execution on different server sessions.
    """
    if pooler_mode is PoolerMode.TRANSACTION:
        return session_factory(engine)
    return session_factory(engine.execution_options(isolation_level="AUTOCOMMIT"))


async def session_dependency(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request: commit on success, roll back on any error. A GET or HEAD
    gets a session of the app's read factory (autocommit, see ``read_session_factory``)."""
    state = request.app.state
    factory: async_sessionmaker[AsyncSession] = (
        state.read_session_factory if request.method in READ_ONLY_METHODS else state.session_factory
    )
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


# scope="function": the commit finishes before the response is sent, so a client never
# reads ahead of a write it was told succeeded, and a failed commit is never a 2xx.
SessionDep = Annotated[AsyncSession, Depends(session_dependency, scope="function")]


class DatabaseUnavailableError(RuntimeError):
    """The database did not answer within the configured wait."""


async def wait_for_database(url: str, timeout_seconds: float) -> None:
    """Try to connect until it works or ``timeout_seconds`` pass; then raise a clear error."""
    deadline = time.monotonic() + timeout_seconds
    delay = 0.2
    last_error: BaseException | None = None
    while True:
        try:
            conn = await asyncpg.connect(asyncpg_dsn(url), timeout=min(5.0, timeout_seconds))
        except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
            last_error = exc
        else:
            await conn.close()
            return
        if time.monotonic() + delay > deadline:
            reason = f"{type(last_error).__name__}: {last_error}" if last_error else "no answer"
            raise DatabaseUnavailableError(
                f"database {mask_password(url)} not reachable "
                f"after {timeout_seconds:g} s ({reason})"
            )
        log.info("waiting_for_database", url=mask_password(url), retry_in=delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, 2.0)
