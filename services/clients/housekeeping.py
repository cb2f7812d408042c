"""Housekeeping of the clients service, once an hour: old Idempotency-Keys and delivered
work items are purged.

Keys are kept at least 24 hours (``KAM_IDEMPOTENCY_RETENTION_HOURS``), the promise made to
callers who retry; after that they only take space. Work items staff confirmed are kept
``CLIENTS_OUTBOX_RETENTION_HOURS`` (a week) for tracing, then deleted; pending and failed
ones are never purged.
"""

from __future__ import annotations

from datetime import timedelta

import structlog
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.receivables.models import ClientsIdempotencyKey
from services.clients.settings import ClientsSettings
from services.clients.workitems.outbox import CLIENTS_OUTBOX
from shared.idempotency import purge_idempotency_keys
from shared.outbox import purge_delivered
from shared.scheduled import Lifespan, periodic_lifespan, run_exclusively

log = structlog.get_logger(__name__)
PURGE_LOCK = 0x4B414D49  # "KAMI": the advisory lock of the idempotency-key purge
OUTBOX_PURGE_LOCK = 0x4B414D4F  # "KAMO": the advisory lock of the outbox purge


async def _purge(session: AsyncSession) -> int:
    return await purge_idempotency_keys(session, ClientsIdempotencyKey)


async def purge_idempotency_keys_once(factory: async_sessionmaker[AsyncSession]) -> int | None:
    """One round; how many keys went, or None when another replica is doing it."""
    _, purged = await run_exclusively(factory, PURGE_LOCK, _purge)
    if purged:
        log.info("idempotency_keys_purged", purged=purged)
    return purged


async def purge_delivered_work_items_once(
    factory: async_sessionmaker[AsyncSession], retention: timedelta
) -> int | None:
    """One round; how many delivered outbox messages went (None: another replica's turn)."""

    async def purge(session: AsyncSession) -> int:
        return await purge_delivered(session, CLIENTS_OUTBOX, retention)

    _, purged = await run_exclusively(factory, OUTBOX_PURGE_LOCK, purge)
    if purged:
        log.info("outbox_purged", purged=purged)
    return purged


async def _housekeeping_round(
    factory: async_sessionmaker[AsyncSession], settings: ClientsSettings
) -> None:
    await purge_idempotency_keys_once(factory)
    retention = timedelta(hours=settings.outbox_retention_hours)
    await purge_delivered_work_items_once(factory, retention)


def housekeeping_lifespan(settings: ClientsSettings) -> Lifespan:
    """Purge every ``idempotency_purge_interval_seconds`` (0 = never)."""
    return periodic_lifespan(
        "idempotency-purge",
        settings.idempotency_purge_interval_seconds,
        lambda app: _housekeeping_round(app.state.session_factory, settings),
    )
