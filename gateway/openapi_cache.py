"""The merged contract, fetched from the services and cached briefly."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import structlog

from gateway.openapi_merge import merge_openapi
from gateway.routing import RoutingTable

log = structlog.get_logger(__name__)

# A service builds its document on the first request, which takes seconds for a large one
# on a busy machine: longer than a request's ordinary upstream timeout.
FETCH_TIMEOUT_SECONDS = 30.0

DESCRIPTION = """\
One entry point to the key-account department's services, grouped by service:

- **clients** (`/v1/clients/...`): key-account records, grades, credit, contacts, ownership.
- **staff** (`/v1/staff/...`, `/v1/auth/...`): departments, position descriptions,
  employees, logins and API keys.
- **kpi** (`/v1/kpi/...`): indicators, appraisal templates, targets, cycles, appraisals.

Every path here is served through this gateway, so "Try it out" works from this page.

**Signing in**: press *Authorize*; people fill in *OAuth2PasswordBearer* with their login
and password (leave client_id and client_secret empty), machines fill in *ApiKey* with
their `X-API-Key`. The login survives a reload of the page; sign in again when the
access token expires (10 minutes by default).

**Errors** are RFC 9457 `application/problem+json` documents with a stable `type`
(`urn:kam:problem:<slug>`) and the request id.
"""


class MergedOpenAPI:
    """Fetches each service's document, merges them, keeps the result for a while."""

    def __init__(
        self, table: RoutingTable, client: httpx.AsyncClient, ttl_seconds: float, server_url: str
    ) -> None:
        self.table = table
        self.client = client
        self.ttl_seconds = ttl_seconds
        self.server_url = server_url
        self._cached: dict[str, Any] | None = None
        self._cached_at = 0.0
        self._lock = asyncio.Lock()

    async def _fetch(self, name: str, base_url: str) -> tuple[str, dict[str, Any] | None]:
        try:
            response = await self.client.get(
                f"{base_url}/openapi.json", timeout=FETCH_TIMEOUT_SECONDS
            )
            response.raise_for_status()
            document: dict[str, Any] = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("openapi_fetch_failed", upstream=name, error=repr(exc))
            return name, None
        return name, document

    async def document(self) -> dict[str, Any]:
        """The merged document; a partial one (a service down) is served but not cached."""
        async with self._lock:
            if self._cached is not None and time.monotonic() - self._cached_at < self.ttl_seconds:
                return self._cached
            results = await asyncio.gather(
                *(self._fetch(u.name, u.base_url) for u in self.table.upstreams)
            )
            documents = {name: doc for name, doc in results if doc is not None}
            missing = [name for name, doc in results if doc is None]
            merged = merge_openapi(documents, description=DESCRIPTION, server_url=self.server_url)
            if missing:
                merged["info"]["x-unavailable-services"] = missing
            else:
                self._cached, self._cached_at = merged, time.monotonic()
            return merged
