"""One-statement reads on a bare asyncpg pool, for the few hottest read endpoints.

A get-by-id through an ORM session pays for the session, its connection checkout and
SQLAlchemy's statement execution: bench.scenarios measured about a third of the clients
service's CPU per request there. Such an endpoint reads with :func:`fetch_row` instead:
one prepared statement on a connection of the app's ``row_reader`` pool, no transaction
(READ COMMITTED takes a snapshot per statement anyway, as in ``read_session_factory``).

An app without a pool reads through its session factory on the session's own connection:
the tests, whose sessions are bound to a transaction they roll back, and services behind a
transaction-mode pooler (a statement outside a transaction could be prepared on one
server session and executed on another).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from fastapi import FastAPI, Request

from shared.db import PoolerMode
from shared.dsn import asyncpg_dsn


@asynccontextmanager
async def row_reader(
    app: FastAPI, url: str, size: int, pooler_mode: PoolerMode
) -> AsyncIterator[None]:
    """Give ``app`` a pool of ``size`` connections for :func:`fetch_row` while open."""
    if pooler_mode is PoolerMode.TRANSACTION or size == 0:
        yield
        return
    pool = await asyncpg.create_pool(asyncpg_dsn(url), min_size=1, max_size=size)
    app.state.row_reader = pool
    try:
        yield
    finally:
        del app.state.row_reader
        await pool.close()


async def fetch_row(request: Request, query: str, *args: Any) -> Mapping[str, Any] | None:
    """The first row of ``query`` (``$1``-style parameters), or None."""
    state = request.app.state
    pool: asyncpg.Pool | None = getattr(state, "row_reader", None)
    if pool is not None:
        row: Mapping[str, Any] | None = await pool.fetchrow(query, *args)
        return row
    factory = getattr(state, "read_session_factory", None) or state.session_factory
    async with factory() as session:
        connection = await (await session.connection()).get_raw_connection()
        row = await connection.driver_connection.fetchrow(query, *args)
        return row
