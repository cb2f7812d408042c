"""Clients of the services kpi calls, created when the app starts and closed when it stops."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from services.kpi.settings import KpiSettings
from shared.http_client import ServiceClient


def upstream_clients(
    settings: KpiSettings,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A lifespan adding ``app.state.staff_client`` (the org resync) and
    ``app.state.clients_client`` (collecting actuals) to the app."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        staff = ServiceClient(
            "staff",
            settings.staff_url,
            timeout_seconds=settings.upstream_timeout_seconds,
            token_source=app.state.service_token,
        )
        app.state.staff_client = staff
        clients = ServiceClient(
            "clients",
            settings.clients_url,
            timeout_seconds=settings.upstream_timeout_seconds,
            token_source=app.state.service_token,
        )
        app.state.clients_client = clients
        try:
            yield
        finally:
            await clients.aclose()
            await staff.aclose()

    return lifespan
