"""Public keys fetched from staff's JWKS endpoint, cached, refreshed on an unknown ``kid``."""

from __future__ import annotations

import asyncio
import time

import httpx
import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from shared.auth.tokens import StaticKeys

log = structlog.get_logger(__name__)

JWKS_PATH = "/v1/auth/jwks"


class RemoteJwks:
    """Keys of the token issuer, fetched over HTTP; no call per request once cached.

    An unknown ``kid`` triggers at most one refetch per ``min_refresh_seconds`` so a flood
    of forged tokens cannot turn into a flood of calls to staff.
    """

    def __init__(
        self,
        base_url: str,
        *,
        refresh_seconds: float = 300.0,
        min_refresh_seconds: float = 5.0,
        timeout_seconds: float = 3.0,
    ) -> None:
        self.url = base_url.rstrip("/") + JWKS_PATH
        self.refresh_seconds = refresh_seconds
        self.min_refresh_seconds = min_refresh_seconds
        self._client = httpx.AsyncClient(timeout=timeout_seconds, follow_redirects=False)
        self._keys = StaticKeys()
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()

    async def _refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._fetched_at < self.min_refresh_seconds:
                return
            try:
                response = await self._client.get(self.url)
                response.raise_for_status()
                self._keys.load(response.json())
                self._fetched_at = time.monotonic()
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("jwks_fetch_failed", url=self.url, error=repr(exc))
                self._fetched_at = time.monotonic()

    async def public_key(self, kid: str) -> Ed25519PublicKey | None:
        if time.monotonic() - self._fetched_at > self.refresh_seconds:
            await self._refresh()
        key = await self._keys.public_key(kid)
        if key is None:
            await self._refresh()
            key = await self._keys.public_key(kid)
        return key
