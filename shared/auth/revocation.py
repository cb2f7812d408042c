"""Ended sessions: access tokens issued before a logout, password change or deactivation.

Staff bumps a user's token version when their sessions end. Every service keeps the
current version floor of each such user in memory, refreshed from staff every few seconds
(no call per request), and refuses a token whose version is below its user's floor. A
deactivated user's floor is above any version, so all their tokens stop working.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import structlog

from shared.auth.principal import Principal, PrincipalKind
from shared.errors import Unauthorized

if TYPE_CHECKING:
    from shared.http_client import ServiceClient

log = structlog.get_logger(__name__)

DEACTIVATED = 2**31 - 1
FloorSource = Callable[[], Awaitable[Mapping[int, int]]]


class TokenFloors:
    """The lowest token version still accepted, per user with ended sessions."""

    def __init__(self) -> None:
        self._floors: dict[int, int] = {}
        self.loaded = False

    def replace(self, floors: Mapping[int, int]) -> None:
        """Take a fresh copy from staff."""
        self._floors = dict(floors)
        self.loaded = True

    def check(self, principal: Principal) -> None:
        """Refuse a user's token from before their sessions ended."""
        if principal.kind is not PrincipalKind.USER or principal.user_id is None:
            return
        floor = self._floors.get(principal.user_id)
        if floor is not None and principal.token_version < floor:
            raise Unauthorized(
                "this session has ended; sign in again",
                extra={"headers": {"WWW-Authenticate": "Bearer"}},
            )


@asynccontextmanager
async def refreshed_floors(
    floors: TokenFloors, source: FloorSource, interval_seconds: float
) -> AsyncIterator[None]:
    """Keep ``floors`` current from ``source`` in a background task while the app runs."""

    async def refresh_forever() -> None:
        while True:
            try:
                floors.replace(await source())
            except Exception as exc:
                log.warning("token_floors_refresh_failed", error=repr(exc))
            await asyncio.sleep(interval_seconds)

    task = asyncio.create_task(refresh_forever(), name="token-floors")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


FLOORS_PATH = "/v1/auth/token-floors"


def staff_token_floors(staff: ServiceClient) -> FloorSource:
    """Fetch the floors from staff (a service-only endpoint)."""

    async def fetch() -> Mapping[int, int]:
        response = await staff.request("GET", FLOORS_PATH)
        response.raise_for_status()
        return {int(k): int(v) for k, v in response.json()["floors"].items()}

    return fetch
