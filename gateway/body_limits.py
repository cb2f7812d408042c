"""How large a request body the gateway lets through: ``KAM_MAX_BODY_BYTES`` (1 MiB) for
every route but the uploads, which their service's contract marks (``x-kam-body: upload``,
shared.contract_shape.UPLOAD) and which may carry ``GATEWAY_UPLOAD_MAX_BYTES``.

The marks are read from the serving upstream's own ``/openapi.json``, so a new upload
route needs no change here. Only a body that outgrows the ordinary cap asks (by its
Content-Length, or as it streams past the cap); the answer is kept for a while per
upstream. A contract that cannot be fetched leaves the ordinary cap in force.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping
from typing import Any

import httpx
import structlog

from gateway.openapi_cache import FETCH_TIMEOUT_SECONDS
from gateway.routing import Upstream
from shared.contract_shape import BODY_KIND, UPLOAD

log = structlog.get_logger(__name__)

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch"})
_PARAMETER = re.compile(r"\\\{[^/]*?\\\}")

Operations = tuple[tuple[str, re.Pattern[str]], ...]
"""(upper-case method, full-match pattern of the path) of each upload operation."""


def upload_operations(document: Mapping[str, Any]) -> Operations:
    """The operations of an OpenAPI document marked as uploads, a path parameter matching
    one segment."""
    found: list[tuple[str, re.Pattern[str]]] = []
    paths = document.get("paths")
    for template, item in paths.items() if isinstance(paths, Mapping) else ():
        if not isinstance(item, Mapping):
            continue
        for method, operation in item.items():
            if (
                method in HTTP_METHODS
                and isinstance(operation, Mapping)
                and operation.get(BODY_KIND) == UPLOAD[BODY_KIND]
            ):
                pattern = _PARAMETER.sub("[^/]+", re.escape(template))
                found.append((method.upper(), re.compile(pattern)))
    return tuple(found)


class BodyLimits:
    """The body limit of each request, from the serving upstream's contract."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        default_bytes: int,
        upload_bytes: int,
        ttl_seconds: float,
    ) -> None:
        self.client = client
        self.default_bytes = default_bytes
        self.upload_bytes = max(upload_bytes, default_bytes)
        self.ttl_seconds = ttl_seconds
        self._known: dict[str, tuple[float, Operations]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def for_request(self, upstream: Upstream, method: str, path: str) -> int:
        """The largest body ``method path`` may carry (called only for bodies past the
        ordinary cap: the small ones never wait for a contract)."""
        operations = await self._operations(upstream)
        if operations is not None and any(
            m == method and pattern.fullmatch(path) for m, pattern in operations
        ):
            return self.upload_bytes
        return self.default_bytes

    async def _operations(self, upstream: Upstream) -> Operations | None:
        lock = self._locks.setdefault(upstream.name, asyncio.Lock())
        async with lock:
            known = self._known.get(upstream.name)
            if known is not None and time.monotonic() - known[0] < self.ttl_seconds:
                return known[1]
            try:
                response = await self.client.get(
                    f"{upstream.base_url}/openapi.json", timeout=FETCH_TIMEOUT_SECONDS
                )
                response.raise_for_status()
                document = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("body_limits_fetch_failed", upstream=upstream.name, error=repr(exc))
                return known[1] if known is not None else None
            operations = upload_operations(document if isinstance(document, Mapping) else {})
            self._known[upstream.name] = (time.monotonic(), operations)
            return operations
