"""One-statement reads on a bare asyncpg pool, for the few hottest read endpoints.

A get-by-id through an ORM session pays for the session, its connection checkout and
SQLAlchemy's statement execution: bench.scenarios measured about a third of the clients
service's CPU per request there. Such an endpoint reads with :func:`fetch_row` instead:
one prepared statement on a connection of the app's ``row_reader`` pool, no transaction
(READ COMMITTED takes a snapshot per statement anyway, as in ``read_session_factory``).
A list page reads with :func:`fetch_rows`, its Core statement compiled once per shape of
filters by :class:`StatementShapes` (the filters' SQL stays in one place, as Core).

An app without a pool reads through its session factory on the session's own connection:
the tests, whose sessions are bound to a transaction they roll back, and services behind a
transaction-mode pooler (a statement outside a transaction could be prepared on one
server session and executed on another).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Hashable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

import asyncpg
from fastapi import FastAPI, Request
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from shared.db import PoolerMode
from shared.dsn import asyncpg_dsn

Shape = TypeVar("Shape", bound=Hashable)


@asynccontextmanager
async def row_reader(
    app: FastAPI, url: str, size: int, pooler_mode: PoolerMode
) -> AsyncIterator[None]:
    """Give ``app`` a pool of ``size`` connections for :func:`fetch_row` while open."""
    if pooler_mode is PoolerMode.TRANSACTION or size == 0:
        yield
        return
    pool = await asyncpg.create_pool(
        asyncpg_dsn(url), min_size=1, max_size=size, reset=_keep_session
    )
    app.state.row_reader = pool
    try:
        yield
    finally:
        del app.state.row_reader
        await pool.close()


async def _keep_session(connection: asyncpg.Connection) -> None:
    """Instead of asyncpg's reset of a connection back in the pool (``RESET ALL``,
    ``UNLISTEN *``, ``CLOSE ALL``, advisory locks: a round trip after every read, measured
    a tenth of a list page's CPU): these connections only run the SELECTs below and change
    no session state. The pool still rolls back a transaction left open."""


async def fetch_row(request: Request, query: str, *args: Any) -> Mapping[str, Any] | None:
    """The first row of ``query`` (``$1``-style parameters), or None."""
    async with _connection(request) as connection:
        row: Mapping[str, Any] | None = await connection.fetchrow(query, *args)
        return row


async def fetch_rows(request: Request, query: str, *args: Any) -> list[Mapping[str, Any]]:
    """Every row of ``query`` (``$1``-style parameters), e.g. a page of a list."""
    async with _connection(request) as connection:
        rows: list[Mapping[str, Any]] = await connection.fetch(query, *args)
        return rows


@asynccontextmanager
async def _connection(request: Request) -> AsyncIterator[Any]:
    """A connection of the ``row_reader`` pool, or the session's own (see the module)."""
    state = request.app.state
    pool: asyncpg.Pool | None = getattr(state, "row_reader", None)
    if pool is not None:
        async with pool.acquire() as connection:
            yield connection
        return
    factory = getattr(state, "read_session_factory", None) or state.session_factory
    async with factory() as session:
        connection = await (await session.connection()).get_raw_connection()
        yield connection.driver_connection


@dataclass(frozen=True)
class CompiledStatement:
    """A Core statement as asyncpg SQL: its ``$n`` parameters in order, by name."""

    text: str
    names: tuple[str, ...]
    constants: Mapping[str, Any]  # the values the statement itself holds (literals)
    processors: Mapping[str, Callable[[Any], Any]]  # SQLAlchemy's conversions (arrays)

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        """The positional arguments: the named parameters from ``values``."""
        arguments = []
        for name in self.names:
            value = values[name] if name in values else self.constants[name]
            process = self.processors.get(name)
            arguments.append(value if process is None else process(value))
        return arguments


class StatementShapes(Generic[Shape]):
    """Core statements compiled once per *shape* and then run on asyncpg with bind
    parameters (:func:`fetch_rows`): compiling a list's statement costs about ten times
    running it. ``build`` makes the statement of a shape (which filters, which order) from
    the shape alone; every value that changes between requests must be a named
    ``bindparam`` (a value baked into a statement would be reused for the next caller)."""

    def __init__(self, build: Callable[[Shape], ClauseElement]) -> None:
        self._build = build
        self._compiled: dict[Shape, CompiledStatement] = {}

    def __getitem__(self, shape: Shape) -> CompiledStatement:
        compiled = self._compiled.get(shape)
        if compiled is None:
            compiled = self._compiled[shape] = _compile(self._build(shape))
        return compiled


_DIALECT = PGDialect_asyncpg()  # type: ignore[no-untyped-call]


def _compile(statement: ClauseElement) -> CompiledStatement:
    compiled = cast(SQLCompiler, statement.compile(dialect=_DIALECT))
    names = tuple(compiled.positiontup or ())
    constants = compiled.construct_params(_check=False)
    processors = {
        name: cast(Callable[[Any], Any], p) for name, p in compiled._bind_processors.items()
    }
    return CompiledStatement(compiled.string, names, constants, processors)
