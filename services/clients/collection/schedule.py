"""The scheduled dunning run: every ``dunning_run_interval_seconds`` one replica runs it as
of today; a transaction-level advisory lock makes the others skip the round."""

from __future__ import annotations

import structlog
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.dependencies import build_dunning
from services.clients.settings import ClientsSettings
from shared.scheduled import Lifespan, periodic_lifespan

log = structlog.get_logger(__name__)


async def dunning_once(
    factory: async_sessionmaker[AsyncSession], settings: ClientsSettings
) -> bool:
    """One run as of today, if no other replica is running one; whether this process did."""
    async with factory() as session:
        result = await build_dunning(session, settings).run(wait=False)
        if result is None:
            return False
        await session.commit()
    if result.tasks_created or result.closed_paid or result.cancelled:
        log.info(
            "dunning_run",
            created=result.tasks_created,
            superseded=result.superseded,
            closed_paid=result.closed_paid,
            cancelled=result.cancelled,
        )
    return True


def dunning_lifespan(settings: ClientsSettings) -> Lifespan:
    """Run :func:`dunning_once` every ``dunning_run_interval_seconds`` (0 = never)."""
    return periodic_lifespan(
        "dunning-run",
        settings.dunning_run_interval_seconds,
        lambda app: dunning_once(app.state.session_factory, settings),
    )
