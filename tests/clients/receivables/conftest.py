"""The clients app with an ERP webhook secret configured (two, as during a rotation)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

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
