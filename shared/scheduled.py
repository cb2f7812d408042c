"""Jobs a service runs on a timer: one replica per round, in a background task.

Every replica of a service may run the timer; a transaction-level advisory lock lets
exactly one of them do each round, and the others skip it. The job runs in its own
session and commits at the end, so a failed round changes nothing and is tried again at
the next tick. Nothing here runs on a request's path.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TypeVar

import structlog
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

log = structlog.get_logger(__name__)
T = TypeVar("T")

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


async def run_exclusively(
    factory: async_sessionmaker[AsyncSession],
    lock_key: int,
    job: Callable[[AsyncSession], Awaitable[T]],
) -> tuple[bool, T | None]:
    """Run ``job`` in a new transaction unless another process holds ``lock_key``.

    Returns ``(True, result)`` when this process ran it (and committed), ``(False, None)``
    when another one is doing the round.
    """
    async with factory() as session:
        connection = await session.connection()
        lock = text("SELECT pg_try_advisory_xact_lock(:k)")
        if not (await connection.execute(lock, {"k": lock_key})).scalar_one():
            return False, None
        result = await job(session)
        await session.commit()
    return True, result


def periodic_lifespan(
    name: str, interval_seconds: float, round_: Callable[[FastAPI], Awaitable[object]]
) -> Lifespan:
    """A lifespan part that calls ``round_(app)`` every ``interval_seconds`` (0 = never).

    A round that raises is logged and the timer goes on; shutting down cancels the task.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if interval_seconds <= 0:
            yield
            return

        async def forever() -> None:
            while True:
                await asyncio.sleep(interval_seconds)
                try:
                    await round_(app)
                except Exception as exc:
                    log.error("scheduled_job_failed", job=name, error=repr(exc))

        task = asyncio.create_task(forever(), name=name)
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return lifespan
