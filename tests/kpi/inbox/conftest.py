"""kpi's work items land in a real staff app (the inbox) and a real SMTP server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from services.kpi.outbox import KPI_OUTBOX, STAFF
from shared.http_client import ServiceClient
from shared.outbox import OutboxDispatcher
from tests.conftest import token_for
from tests.staff.conftest import StaffApp, staff  # noqa: F401 - fixtures of the staff app
from tests.staff.notifications.conftest import smtp_sink  # noqa: F401 - the SMTP server


def app_of(client: httpx.AsyncClient) -> FastAPI:
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    assert isinstance(transport.app, FastAPI)
    return transport.app


async def kpi_credential() -> str:
    return token_for(subject="service:kpi")


@pytest.fixture
async def kpi_outbox(
    kpi_client: httpx.AsyncClient,
    staff: StaffApp,  # noqa: F811 - the fixture imported above
) -> AsyncIterator[OutboxDispatcher]:
    """kpi's outbox dispatcher delivering to the staff app with kpi's service credential."""
    to_staff = ServiceClient(
        STAFF,
        "http://staff",
        transport=httpx.ASGITransport(app=staff.app),
        token_source=kpi_credential,
        retries=0,
    )
    yield OutboxDispatcher(
        KPI_OUTBOX,
        app_of(kpi_client).state.session_factory,
        {STAFF: to_staff},
        backoff_seconds=0.01,
        max_backoff_seconds=0.01,
    )
    await to_staff.aclose()
