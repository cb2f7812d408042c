"""Clients of the services whose audit logs staff's audit search reads, created when the
app starts and closed when it stops."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.staff.settings import StaffSettings
from shared.http_client import ServiceClient


@asynccontextmanager
async def audit_search_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """``app.state.clients_client`` and ``app.state.kpi_client``: no credential of their own,
    the search sends the caller's token."""
    settings: StaffSettings = app.state.settings
    clients = ServiceClient(
        "clients", settings.clients_url, timeout_seconds=settings.upstream_timeout_seconds
    )
    kpi = ServiceClient("kpi", settings.kpi_url, timeout_seconds=settings.upstream_timeout_seconds)
    app.state.clients_client = clients
    app.state.kpi_client = kpi
    try:
        yield
    finally:
        await kpi.aclose()
        await clients.aclose()
