"""Service credentials: a token with ``sub=service:<name>``, obtained from staff and cached."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx

from shared.errors import ServiceUnavailable

SERVICE_TOKEN_PATH = "/v1/auth/service-token"  # noqa: S105 - a path
TokenSource = Callable[[], Awaitable[str]]


class ServiceTokenProvider:
    """Asks staff for a service token with the shared internal secret; renews before expiry."""

    def __init__(
        self, staff_url: str, service: str, secret: str, *, timeout_seconds: float = 3.0
    ) -> None:
        self.url = staff_url.rstrip("/") + SERVICE_TOKEN_PATH
        self.service = service
        self.secret = secret
        self._client = httpx.AsyncClient(timeout=timeout_seconds, follow_redirects=False)
        self._token: str | None = None
        self._renew_at = 0.0
        self._lock = asyncio.Lock()

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()

    async def __call__(self) -> str:
        """A valid service token."""
        if self._token is not None and time.monotonic() < self._renew_at:
            return self._token
        async with self._lock:
            if self._token is not None and time.monotonic() < self._renew_at:
                return self._token
            try:
                response = await self._client.post(
                    self.url, json={"service": self.service, "secret": self.secret}
                )
                response.raise_for_status()
                body = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise ServiceUnavailable("cannot obtain a service credential from staff") from exc
            self._token = str(body["access_token"])
            self._renew_at = time.monotonic() + max(float(body["expires_in"]) - 60, 5)
            return self._token
