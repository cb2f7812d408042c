"""Housekeeping of the clients service: old Idempotency-Keys are purged once an hour.

Keys are kept at least 24 hours (``KAM_IDEMPOTENCY_RETENTION_HOURS``), the promise made to
callers who retry; after that they only take space.
"""

from __future__ import annotations

import structlog
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.receivables.models import ClientsIdempotencyKey
from services.clients.settings import ClientsSettings
from shared.idempotency import purge_idempotency_keys
from shared.scheduled import Lifespan, periodic_lifespan, run_exclusively

log = structlog.get_logger(__name__)
PURGE_LOCK = 0x4B414D49  # "KAMI": the advisory lock of the idempotency-key purge


async def _purge(session: AsyncSession) -> int:
    return await purge_idempotency_keys(session, ClientsIdempotencyKey)


async def purge_idempotency_keys_once(factory: async_sessionmaker[AsyncSession]) -> int | None:
    """One round; how many keys went, or None when another replica is doing it."""
    _, purged = await run_exclusively(factory, PURGE_LOCK, _purge)
    if purged:
        log.info("idempotency_keys_purged", purged=purged)
    return purged


def housekeeping_lifespan(settings: ClientsSettings) -> Lifespan:
    """Purge old keys every ``idempotency_purge_interval_seconds`` (0 = never)."""
    return periodic_lifespan(
        "idempotency-purge",
        settings.idempotency_purge_interval_seconds,
        lambda app: purge_idempotency_keys_once(app.state.session_factory),
    )
