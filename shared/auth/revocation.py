"""Ended sessions: access tokens issued before a logout, password change or deactivation.

Staff bumps a user's token version when their sessions end. Every service keeps the
current version floor of each such user in memory, refreshed from staff every few seconds
(no call per request), and refuses a token whose version is below its user's floor. A
deactivated user's floor is above any version, so all their tokens stop working.

A single sign-in session can end alone too (a person ends the session of a lost phone):
staff also lists the sessions ended within an access token's lifetime, and a token naming
one of them (its ``sid``) is refused the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog

from shared.auth.principal import Principal, PrincipalKind
from shared.errors import Unauthorized

if TYPE_CHECKING:
    from shared.http_client import ServiceClient

log = structlog.get_logger(__name__)

DEACTIVATED = 2**31 - 1


@dataclass(frozen=True)
class Revocations:
    """Staff's copy: version floors per user and the recently ended sign-in sessions."""

    floors: Mapping[int, int]
    ended_sessions: frozenset[str] = frozenset()


FloorSource = Callable[[], Awaitable[Mapping[int, int] | Revocations]]


class TokenFloors:
    """The lowest token version still accepted, per user with ended sessions."""

    def __init__(self) -> None:
        self._floors: dict[int, int] = {}
        self._ended_sessions: frozenset[str] = frozenset()
        self.loaded = False

    def replace(self, copy: Mapping[int, int] | Revocations) -> None:
        """Take a fresh copy from staff (floors alone, or floors and ended sessions)."""
        revocations = copy if isinstance(copy, Revocations) else Revocations(copy)
        self._floors = dict(revocations.floors)
        self._ended_sessions = revocations.ended_sessions
        self.loaded = True

    def check(self, principal: Principal) -> None:
        """Refuse a user's token from before their sessions ended."""
        if principal.kind is not PrincipalKind.USER or principal.user_id is None:
            return
        floor = self._floors.get(principal.user_id)
        ended = principal.session_id is not None and principal.session_id in self._ended_sessions
        if ended or (floor is not None and principal.token_version < floor):
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

    async def fetch() -> Revocations:
        response = await staff.request("GET", FLOORS_PATH)
        response.raise_for_status()
        body = response.json()
        return Revocations(
            {int(k): int(v) for k, v in body["floors"].items()},
            frozenset(str(s) for s in body.get("ended_sessions", [])),
        )

    return fetch
