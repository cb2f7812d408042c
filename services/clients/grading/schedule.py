"""The scheduled regrading: every account's grade recomputed at a fixed interval.

Several replicas may run it; a transaction-level advisory lock lets exactly one of them do
each round, and the others skip it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import structlog
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.grading.dependencies import build_grading
from services.clients.settings import ClientsSettings

log = structlog.get_logger(__name__)
REGRADE_LOCK = 0x4B414D01  # "KAM" + 1: the advisory lock of the regrading job


async def regrade_once(
    factory: async_sessionmaker[AsyncSession], settings: ClientsSettings
) -> bool:
    """One round, if no other replica is doing it; whether this process did it."""
    async with factory() as session:
        connection = await session.connection()
        lock = text("SELECT pg_try_advisory_xact_lock(:k)")
        got = (await connection.execute(lock, {"k": REGRADE_LOCK})).scalar_one()
        if not got:
            return False
        result = await build_grading(session, settings).recompute_all()
        await session.commit()
    log.info("regraded", evaluated=result.evaluated, changed=result.changed)
    return True


def regrading_lifespan(
    settings: ClientsSettings,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Run :func:`regrade_once` every ``grade_recompute_interval_seconds`` (0 = never)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        interval = settings.grade_recompute_interval_seconds
        if interval <= 0:
            yield
            return

        async def forever() -> None:
            while True:
                await asyncio.sleep(interval)
                try:
                    await regrade_once(app.state.session_factory, settings)
                except Exception as exc:
                    log.error("regrade_failed", error=repr(exc))

        task = asyncio.create_task(forever(), name="regrade")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return lifespan
