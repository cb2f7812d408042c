"""The periodic SLA breach check: every ``sla_check_interval_seconds`` one replica flags
missed deadlines and escalates; a transaction-level advisory lock makes the others skip."""

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

from services.clients.settings import ClientsSettings
from services.clients.tickets.dependencies import build_breach_check

log = structlog.get_logger(__name__)
SLA_CHECK_LOCK = 0x4B414D53  # "KAMS": the advisory lock of the SLA breach check


async def sla_check_once(factory: async_sessionmaker[AsyncSession]) -> bool:
    """One round, if no other replica is doing it; whether this process did it."""
    async with factory() as session:
        connection = await session.connection()
        lock = text("SELECT pg_try_advisory_xact_lock(:k)")
        got = (await connection.execute(lock, {"k": SLA_CHECK_LOCK})).scalar_one()
        if not got:
            return False
        result = await build_breach_check(session).run()
        await session.commit()
    if result.flagged:
        log.info("sla_checked", flagged=len(result.flagged))
    return True


def sla_check_lifespan(
    settings: ClientsSettings,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Run :func:`sla_check_once` every ``sla_check_interval_seconds`` (0 = never)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        interval = settings.sla_check_interval_seconds
        if interval <= 0:
            yield
            return

        async def forever() -> None:
            while True:
                await asyncio.sleep(interval)
                try:
                    await sla_check_once(app.state.session_factory)
                except Exception as exc:
                    log.error("sla_check_failed", error=repr(exc))

        task = asyncio.create_task(forever(), name="sla-check")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return lifespan
