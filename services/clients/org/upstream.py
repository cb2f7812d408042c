"""The staff client of the clients service, created in the lifespan and closed there."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from fastapi import FastAPI

from shared.http_client import ServiceClient


class StaffLink(Protocol):
    """The settings this needs (the service's settings; a protocol so the org copy
    imports nothing of the service's settings module)."""

    @property
    def staff_url(self) -> str: ...
    @property
    def upstream_timeout_seconds(self) -> float: ...


def staff_client_lifespan(
    settings: StaffLink,
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
