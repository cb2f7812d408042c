"""The sign-in protection of one staff process: throttle policies, trusted proxy hops,
and the password-hashing lane. One per app, made on first use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from fastapi import Request

from services.staff.identity.client_address import Network, client_address, trusted_networks
from services.staff.identity.hashing import PasswordHashing
from services.staff.identity.throttle_rules import ThrottlePolicy, retry_after_header
from services.staff.settings import StaffSettings
from shared.errors import TooManyRequests


class SignInThrottled(TooManyRequests):
    """Too many failed sign-ins for this login: wait, then try again."""

    slug = "sign-in-throttled"

    def __init__(
        self,
        retry_after: float,
        detail: str = "too many failed sign-ins for this login; try again later",
    ) -> None:
        super().__init__(
            detail,
            extra={"headers": {"Retry-After": retry_after_header(retry_after)}},
        )


@dataclass(frozen=True)
class SignInGuard:
    login_policy: ThrottlePolicy
    address_policy: ThrottlePolicy
    trusted: tuple[Network, ...]
    hashing: PasswordHashing
    address_concurrency: int = 8
    _in_flight: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: StaffSettings) -> SignInGuard:
        login = ThrottlePolicy(
            free_failures=settings.sign_in_free_failures,
            delay_seconds=settings.sign_in_delay_seconds,
            max_delay_seconds=settings.sign_in_max_delay_seconds,
            lock_after=settings.sign_in_lock_after,
            lock_seconds=settings.sign_in_lock_seconds,
            window_seconds=settings.sign_in_window_seconds,
        )
        address = ThrottlePolicy(
            free_failures=settings.sign_in_address_free_failures,
            delay_seconds=settings.sign_in_delay_seconds,
            max_delay_seconds=settings.sign_in_address_max_delay_seconds,
            window_seconds=settings.sign_in_window_seconds,
        )
        return cls(
            login,
            address,
            trusted_networks(settings.trusted_proxies),
            PasswordHashing(
                settings.password_hash_workers,
                suspect_above=settings.sign_in_address_free_failures,
            ),
            settings.sign_in_address_concurrency,
        )

    @contextmanager
    def admitted(self, address: str) -> Iterator[None]:
        """At most ``address_concurrency`` sign-ins of one address at a time in this
        process; one more is told to come back in a second (429) before it costs a
        database connection (attempts of one address queue for its counter's row lock,
        each holding a connection) or a hash."""
        in_flight = self._in_flight.get(address, 0)
        if in_flight >= self.address_concurrency:
            raise SignInThrottled(1, "too many sign-ins at once from this address")
        self._in_flight[address] = in_flight + 1
        try:
            yield
        finally:
            left = self._in_flight[address] - 1
            if left:
                self._in_flight[address] = left
            else:
                del self._in_flight[address]

    def address_of(self, request: Request) -> str:
        peer = request.client.host if request.client else None
        return client_address(peer, request.headers.get("x-forwarded-for"), self.trusted)


def sign_in_guard(request: Request) -> SignInGuard:
    """The app's guard (tests drive apps without their lifespan, hence made on first use)."""
    state = request.app.state
    guard: SignInGuard | None = getattr(state, "sign_in_guard", None)
    if guard is None:
        guard = SignInGuard.from_settings(state.settings)
        state.sign_in_guard = guard
    return guard


async def sign_in_guard_dependency(request: Request) -> SignInGuard:
    """The guard for a route (async: FastAPI runs a plain function dependency on a worker
    thread, a hop that every attempt of a flood would pay)."""
    return sign_in_guard(request)
