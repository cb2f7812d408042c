"""The clients app with an ERP webhook secret configured (two, as during a rotation), and
the ERP link started as the service's lifespan starts it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from services.clients.erp.sync import erp_sync_lifespan
from services.clients.settings import ClientsSettings
from tests.clients.conftest import DEPARTMENT, feed_org
from tests.clients.receivables.factories import OLD_SECRET, SECRET


@pytest.fixture
async def erp_app(
    clients_app: tuple[FastAPI, httpx.AsyncClient],
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app, client = clients_app
    app.state.settings = ClientsSettings(erp_webhook_secrets=[OLD_SECRET, SECRET])
    await feed_org(client, DEPARTMENT)
    yield app, client


@pytest.fixture
async def erp(erp_app: tuple[FastAPI, httpx.AsyncClient]) -> httpx.AsyncClient:
    return erp_app[1]


@asynccontextmanager
async def linked_to_erp(app: FastAPI, settings: ClientsSettings) -> AsyncIterator[None]:
    """Run ``app`` with ``settings`` and the ERP part of its lifespan (which holds the ERP
    client the routes use), as the service starts it; the app's settings and ERP client
    are put back afterwards (a test may link with other settings inside a linked fixture)."""
    settings_before = app.state.settings
    client_before = getattr(app.state, "erp_client", None)
    app.state.settings = settings
    try:
        async with erp_sync_lifespan(settings)(app):
            yield
    finally:
        app.state.settings = settings_before
        app.state.erp_client = client_before
