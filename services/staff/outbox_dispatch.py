"""Start-up of the staff outbox dispatcher: clients for the receivers, the outcome hook."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.offboarding.service import record_handover_outcome
from services.staff.outbox import CLIENTS, KPI, STAFF_OUTBOX
from services.staff.settings import StaffSettings
from shared.http_client import ServiceClient
from shared.outbox import DeliveryOutcome, OutboxDispatcher, OutboxMessage


async def record_outcome(
    session: AsyncSession, message: OutboxMessage, outcome: DeliveryOutcome
) -> None:
    """What a final delivery result changes in staff (only handovers change anything)."""
    await record_handover_outcome(session, message, outcome)


def staff_dispatcher(app: FastAPI, settings: StaffSettings) -> OutboxDispatcher:
    """A dispatcher over ``staff.outbox`` with one client per receiving service."""
    token_source = getattr(app.state, "service_token", None)
    clients = {
        name: ServiceClient(
            name,
            url,
            timeout_seconds=settings.upstream_timeout_seconds,
            retries=0,
            token_source=token_source,
        )
        for name, url in ((CLIENTS, settings.clients_url), (KPI, settings.kpi_url))
    }
    return OutboxDispatcher(
        STAFF_OUTBOX,
        app.state.session_factory,
        clients,
        on_outcome=record_outcome,
        poll_interval_seconds=settings.outbox_poll_interval_seconds,
        batch_size=settings.outbox_batch_size,
        max_attempts=settings.outbox_max_attempts,
        backoff_seconds=settings.outbox_backoff_seconds,
        max_backoff_seconds=settings.outbox_max_backoff_seconds,
    )


@asynccontextmanager
async def outbox_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Run the dispatcher while the app runs (every replica may: SKIP LOCKED shares the work)."""
    settings: StaffSettings = app.state.settings
    if not settings.outbox_dispatcher_enabled:
        yield
        return
    dispatcher = staff_dispatcher(app, settings)
    app.state.outbox_dispatcher = dispatcher
    dispatcher.start()
    try:
        yield
    finally:
        await dispatcher.stop()
        for client in dispatcher.clients.values():
            await client.aclose()
