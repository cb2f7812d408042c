"""The one client services use to call each other (rule 4 of DESIGN.md).

Timeouts are always set; idempotent calls are retried with exponential backoff and jitter;
the caller's request id and a service credential are forwarded; upstream failures become
our own problem types (503 unreachable, 504 too slow, 502 broken answer).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping
from typing import Any

import httpx
import structlog

from shared.auth.service_credentials import TokenSource
from shared.errors import BadGateway, GatewayTimeout, ServiceUnavailable
from shared.metrics import count_upstream_error
from shared.request_id import current_request_id

log = structlog.get_logger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRYABLE_STATUSES = frozenset({502, 503, 504})


class ServiceClient:
    """An HTTP client for one upstream service, created in a lifespan and closed there."""

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        timeout_seconds: float = 5.0,
        connect_timeout_seconds: float = 2.0,
        retries: int = 2,
        backoff_seconds: float = 0.1,
        max_connections: int = 50,
        transport: httpx.AsyncBaseTransport | None = None,
        token_source: TokenSource | None = None,
    ) -> None:
        self.name = name
        self.token_source = token_source
        self.retries = retries
        self.backoff_seconds = backoff_seconds
        self._client = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout_seconds, connect=connect_timeout_seconds),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            follow_redirects=False,
            transport=transport,
        )

    async def aclose(self) -> None:
        """Close pooled connections."""
        await self._client.aclose()

    async def _headers(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers = dict(extra or {})
        request_id = current_request_id()
        if request_id:
            headers.setdefault("X-Request-ID", request_id)
        headers.setdefault("Accept-Language", "en")  # services read each other's English
        if self.token_source is not None and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {await self.token_source()}"
        return headers

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send a request; retry only when the call is idempotent (by method or by the caller).

        A POST carrying an ``Idempotency-Key`` header may be marked ``idempotent=True``.
        """
        method = method.upper()
        may_retry = idempotent if idempotent is not None else method in IDEMPOTENT_METHODS
        attempts = 1 + (self.retries if may_retry else 0)
        for attempt in range(1, attempts + 1):
            try:
                response = await self._client.request(
                    method, path, json=json, params=params, headers=await self._headers(headers)
                )
            except httpx.TimeoutException as exc:
                count_upstream_error(self.name, "timeout")
                failure: Exception = GatewayTimeout(f"{self.name} did not answer in time")
                failure.__cause__ = exc
            except httpx.TransportError as exc:
                count_upstream_error(self.name, "unreachable")
                failure = ServiceUnavailable(f"{self.name} is unreachable")
                failure.__cause__ = exc
            else:
                if response.status_code >= 500:
                    count_upstream_error(self.name, "bad_status")
                if response.status_code not in RETRYABLE_STATUSES or attempt == attempts:
                    return response
                failure = BadGateway(f"{self.name} answered {response.status_code}")
            if attempt == attempts:
                raise failure
            delay = self.backoff_seconds * 2 ** (attempt - 1) * (0.5 + random.random())  # noqa: S311
            log.warning("upstream_retry", upstream=self.name, attempt=attempt, delay=delay)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover
