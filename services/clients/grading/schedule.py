"""The scheduled regrading: every account's grade recomputed at a fixed interval, by one
replica per round (shared.scheduled)."""

from __future__ import annotations

import structlog
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.dependencies import build_grading
from services.clients.grading.schemas import BulkRegradeResult
from services.clients.settings import ClientsSettings
from shared.scheduled import Lifespan, periodic_lifespan, run_exclusively

log = structlog.get_logger(__name__)
REGRADE_LOCK = 0x4B414D01  # "KAM" + 1: the advisory lock of the regrading job


async def regrade_once(
    factory: async_sessionmaker[AsyncSession], settings: ClientsSettings
) -> bool:
    """One round, if no other replica is doing it; whether this process did it."""

    async def regrade(session: AsyncSession) -> BulkRegradeResult:
        return await build_grading(session, settings).recompute_all()

    ran, result = await run_exclusively(factory, REGRADE_LOCK, regrade)
    if result is not None:
        log.info("regraded", evaluated=result.evaluated, changed=result.changed)
    return ran


def regrading_lifespan(settings: ClientsSettings) -> Lifespan:
    """Run :func:`regrade_once` every ``grade_recompute_interval_seconds`` (0 = never)."""
    return periodic_lifespan(
        "regrade",
        settings.grade_recompute_interval_seconds,
        lambda app: regrade_once(app.state.session_factory, settings),
    )
