"""Start-up of the kpi outbox dispatcher: one client, for staff (the inbox)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.kpi.outbox import KPI_OUTBOX, STAFF
from services.kpi.settings import KpiSettings
from shared.http_client import ServiceClient
from shared.outbox import OutboxDispatcher


def kpi_dispatcher(app: FastAPI, settings: KpiSettings) -> OutboxDispatcher:
    """A dispatcher over ``kpi.outbox`` delivering to staff with kpi's service credential."""
    staff = ServiceClient(
        STAFF,
        settings.staff_url,
        timeout_seconds=settings.upstream_timeout_seconds,
        retries=0,
        token_source=getattr(app.state, "service_token", None),
    )
    return OutboxDispatcher(
        KPI_OUTBOX,
        app.state.session_factory,
        {STAFF: staff},
        poll_interval_seconds=settings.outbox_poll_interval_seconds,
        batch_size=settings.outbox_batch_size,
        max_attempts=settings.outbox_max_attempts,
        backoff_seconds=settings.outbox_backoff_seconds,
        max_backoff_seconds=settings.outbox_max_backoff_seconds,
    )


@asynccontextmanager
async def outbox_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Run the dispatcher while the app runs (every replica may: SKIP LOCKED shares the work)."""
    settings: KpiSettings = app.state.settings
    if not settings.outbox_dispatcher_enabled:
        yield
        return
    dispatcher = kpi_dispatcher(app, settings)
    app.state.outbox_dispatcher = dispatcher
    dispatcher.start()
    try:
        yield
    finally:
        await dispatcher.stop()
        for client in dispatcher.clients.values():
            await client.aclose()
