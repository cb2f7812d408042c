"""The HTTP client of the ERP's API (docs/contracts.md, "The changes feed"): the only code
that talks to the ERP.

Every call is bounded: one overall deadline (``timeout_seconds``, also for a server that
drips its body), a body size cap enforced while streaming (a huge answer is refused before
it is read into memory), no redirects (a 3xx is a failure: the ERP's address is
configured, not discovered), and an answer that is not the JSON we expect is a failure.
Failures raise :class:`ErpFailure` with a short reason that never contains the API key.
Transient failures (timeouts, network errors, 5xx, 429) are retried with exponential
backoff and jitter; the others are not (asking again would get the same answer).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import httpx
import structlog
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.outbox import backoff_delay

log = structlog.get_logger(__name__)

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
T = TypeVar("T", bound=BaseModel)


class ErpFailure(Exception):
    """The ERP did not give a usable answer; ``reason`` is safe to log and to show."""

    def __init__(self, reason: str, *, transient: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


class ChangesPage(BaseModel):
    """A page of ``GET /api/changes``; the events are validated one by one later."""

    model_config = ConfigDict(extra="ignore")

    items: list[dict[str, Any]] = Field(max_length=10_000)
    next_cursor: str = Field(min_length=1, max_length=200)
    has_more: bool


class DocumentPage(BaseModel):
    """A page of ``GET /api/invoices`` or ``GET /api/payments``."""

    model_config = ConfigDict(extra="ignore")

    items: list[dict[str, Any]] = Field(max_length=10_000)
    next_cursor: str | None = Field(default=None, max_length=200)


class ErpClient:
    """Calls the ERP; created in the clients lifespan (or per manual call) and closed there."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout_seconds: float = 10.0,
        max_response_bytes: int = 8 * 1024 * 1024,
        retries: int = 2,
        backoff_seconds: float = 0.5,
        max_backoff_seconds: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.timeout_seconds = timeout_seconds
        self.max_response_bytes = max_response_bytes
        self.retries = retries
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self._sleep = sleep
        headers = {"Accept": "application/json"}
        if api_key:
            headers["X-API-Key"] = api_key
        self._client = httpx.AsyncClient(
            base_url=base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 5.0)),
            follow_redirects=False,
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def changes(self, cursor: str | None, limit: int) -> ChangesPage:
        """The events after ``cursor`` (None: from the beginning)."""
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        return await self._get("/api/changes", params, ChangesPage)

    async def documents(self, kind: str, cursor: str | None, limit: int) -> DocumentPage:
        """A page of the ERP's invoices or payments (``kind``: "invoices" or "payments")."""
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        return await self._get(f"/api/{kind}", params, DocumentPage)

    async def _get(self, path: str, params: Mapping[str, Any], model: type[T]) -> T:
        attempt = 0
        while True:
            attempt += 1
            try:
                return model.model_validate(await self._get_json(path, params))
            except ValidationError as exc:
                first = exc.errors(include_url=False, include_input=False)[0]
                where = ".".join(str(part) for part in first["loc"]) or "body"
                reason = f"the ERP answered JSON of an unexpected shape ({where}: {first['msg']})"
                failure = ErpFailure(reason, transient=False)
            except ErpFailure as exc:
                failure = exc
            if not failure.transient or attempt > self.retries:
                raise failure
            delay = backoff_delay(attempt, self.backoff_seconds, self.max_backoff_seconds)
            log.warning("erp_retry", path=path, attempt=attempt, delay=round(delay, 3),
                        reason=failure.reason)  # fmt: skip
            await self._sleep(delay)

    async def _get_json(self, path: str, params: Mapping[str, Any]) -> Any:
        try:
            async with asyncio.timeout(self.timeout_seconds):
                body = await self._read(path, params)
        except TimeoutError:
            raise ErpFailure(
                f"the ERP did not answer within {self.timeout_seconds:g} s", transient=True
            ) from None
        except httpx.TimeoutException:
            raise ErpFailure(
                f"the ERP did not answer within {self.timeout_seconds:g} s", transient=True
            ) from None
        except httpx.TransportError as exc:
            raise ErpFailure(
                f"the ERP is unreachable ({type(exc).__name__})", transient=True
            ) from None
        try:
            return json.loads(body)
        except ValueError:  # JSONDecodeError and UnicodeDecodeError
            raise ErpFailure(
                "the ERP answered something that is not JSON", transient=False
            ) from None

    async def _read(self, path: str, params: Mapping[str, Any]) -> bytes:
        async with self._client.stream("GET", path, params=params) as response:
            status = response.status_code
            if 300 <= status < 400:
                raise ErpFailure(
                    f"the ERP answered a redirect ({status}), which is not followed",
                    transient=False,
                )
            if status != 200:
                raise ErpFailure(
                    f"the ERP answered {status}", transient=status in RETRYABLE_STATUSES
                )
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > self.max_response_bytes:
                raise self._too_big()
            received = bytearray()
            async for chunk in response.aiter_bytes():
                received += chunk
                if len(received) > self.max_response_bytes:
                    raise self._too_big()
            return bytes(received)

    def _too_big(self) -> ErpFailure:
        return ErpFailure(
            f"the ERP's answer exceeds {self.max_response_bytes} bytes, so it was not read",
            transient=False,
        )
