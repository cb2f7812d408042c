"""The staff client of the clients service, created in the lifespan and closed there."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from services.clients.settings import ClientsSettings
from shared.http_client import ServiceClient


def staff_client_lifespan(
    settings: ClientsSettings,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A lifespan part that puts a ``ServiceClient`` for staff on ``app.state.staff_client``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = ServiceClient(
            "staff",
            settings.staff_url,
            timeout_seconds=settings.upstream_timeout_seconds,
            token_source=app.state.service_token,
        )
        app.state.staff_client = client
        try:
            yield
        finally:
            await client.aclose()

    return lifespan
