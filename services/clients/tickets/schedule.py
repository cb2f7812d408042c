"""The periodic SLA breach check: every ``sla_check_interval_seconds`` one replica flags
missed deadlines and escalates (shared.scheduled)."""

from __future__ import annotations

import structlog
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.settings import ClientsSettings
from services.clients.tickets.dependencies import build_breach_check
from services.clients.tickets.schemas import SlaCheckResult
from shared.scheduled import Lifespan, periodic_lifespan, run_exclusively

log = structlog.get_logger(__name__)
SLA_CHECK_LOCK = 0x4B414D53  # "KAMS": the advisory lock of the SLA breach check


async def _check(session: AsyncSession) -> SlaCheckResult:
    return await build_breach_check(session).run()


async def sla_check_once(factory: async_sessionmaker[AsyncSession]) -> bool:
    """One round, if no other replica is doing it; whether this process did it."""
    ran, result = await run_exclusively(factory, SLA_CHECK_LOCK, _check)
    if result is not None and result.flagged:
        log.info("sla_checked", flagged=len(result.flagged))
    return ran


def sla_check_lifespan(settings: ClientsSettings) -> Lifespan:
    """Run :func:`sla_check_once` every ``sla_check_interval_seconds`` (0 = never)."""
    return periodic_lifespan(
        "sla-check",
        settings.sla_check_interval_seconds,
        lambda app: sla_check_once(app.state.session_factory),
    )
