"""Webhook deliveries of the fake ERP: signed, retried with backoff, optionally misbehaving.

Events are delivered one at a time in the order they happened (as many ERPs do); each is
retried on a non-2xx answer or a network error, with exponential backoff and jitter, up to
``max_attempts``. Every attempt is signed anew (fresh ``webhook-timestamp``, same
``webhook-id``). Faults: ``duplicate`` extra copies (same id, or new ids), sent one after
the other or all at once; ``delay_seconds`` before each event; ``reorder_window`` holds that
many events and sends them newest first (a payment before its invoice).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import structlog
from pydantic import BaseModel, ConfigDict, Field

from shared.outbox import backoff_delay
from shared.webhooks import signature_headers

log = structlog.get_logger(__name__)


class WebhookTarget(BaseModel):
    """Where deliveries go and how they are authenticated."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = None
    secrets: list[str] = Field(default_factory=list)
    api_key: str | None = None


class WebhookFaults(BaseModel):
    """How deliveries misbehave (all off by default)."""

    model_config = ConfigDict(extra="forbid")

    duplicate: int = Field(default=0, ge=0, le=100)
    """Extra copies of every delivery."""
    duplicate_concurrently: bool = False
    """Send the copies all at once instead of one after the other."""
    duplicate_with_new_ids: bool = False
    """Copies carry new event ids (the same ERP document announced again)."""
    delay_seconds: float = Field(default=0.0, ge=0, le=600)
    reorder_window: int = Field(default=0, ge=0, le=100)
    """Hold this many events, then send them newest first (0 or 1 = in order)."""


@dataclass
class Attempt:
    """One HTTP attempt of one delivery."""

    webhook_id: str
    attempt: int
    status_code: int | None
    error: str | None
    delivered: bool
    at: float = field(default_factory=time.time)


class WebhookSender:
    """Delivers queued events to the target; started and stopped by the app's lifespan."""

    def __init__(
        self,
        target: WebhookTarget,
        *,
        timeout_seconds: float,
        max_attempts: int,
        backoff_seconds: float,
        max_backoff_seconds: float,
    ) -> None:
        self.target = target
        self.faults = WebhookFaults()
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.attempts: list[Attempt] = []
        self.gave_up: list[str] = []
        self.held: list[dict[str, Any]] = []
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._busy = False
        self.timeout_seconds = timeout_seconds
        self._client: httpx.AsyncClient | None = None
        self._task: asyncio.Task[None] | None = None

    def submit(self, event: dict[str, Any]) -> None:
        """Queue an event (or hold it while a reorder window fills)."""
        if self.faults.reorder_window > 1:
            self.held.append(event)
            if len(self.held) >= self.faults.reorder_window:
                self.flush(newest_first=True)
            return
        self._queue.put_nowait(event)

    def flush(self, *, newest_first: bool = False) -> int:
        """Send the held events now; how many."""
        held, self.held = self.held, []
        for event in reversed(held) if newest_first else held:
            self._queue.put_nowait(event)
        return len(held)

    def reset(self) -> None:
        """Drop queued and held events and the attempt log (the target stays)."""
        self.held.clear()
        while not self._queue.empty():
            self._queue.get_nowait()
        self.attempts.clear()
        self.gave_up.clear()
        self.faults = WebhookFaults()

    @property
    def pending(self) -> int:
        """Events not yet delivered or given up (queued, held or being sent)."""
        return self._queue.qsize() + len(self.held) + (1 if self._busy else 0)

    def start(self) -> None:
        """Start delivering (in the running event loop)."""
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(self.timeout_seconds), follow_redirects=False
        )
        self._task = asyncio.create_task(self._run(), name="fake-erp-webhooks")

    async def stop(self) -> None:
        """Stop delivering; undelivered events are dropped (the feed still has them)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._client is not None:
            await self._client.aclose()

    async def _run(self) -> None:
        while True:
            event = await self._queue.get()
            self._busy = True
            try:
                await self._deliver(event)
            except Exception as exc:  # a bug here must not stop later deliveries
                log.error("webhook_delivery_crashed", event_id=event["id"], error=repr(exc))
            finally:
                self._busy = False

    async def _deliver(self, event: dict[str, Any]) -> None:
        faults = self.faults
        if faults.delay_seconds:
            await asyncio.sleep(faults.delay_seconds)
        copies = [event]
        for number in range(1, faults.duplicate + 1):
            if faults.duplicate_with_new_ids:
                copies.append({**event, "id": f"{event['id']}_dup{number}"})
            else:
                copies.append(event)
        if faults.duplicate_concurrently:
            await asyncio.gather(*(self._send_with_retries(copy) for copy in copies))
        else:
            for copy in copies:
                await self._send_with_retries(copy)

    async def _send_with_retries(self, event: dict[str, Any]) -> bool:
        target = self.target
        if self._client is None or not target.url or not target.secrets:
            log.warning("webhook_not_configured", event_id=event["id"])
            return False
        body = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
        for attempt in range(1, self.max_attempts + 1):
            headers = signature_headers(target.secrets, event["id"], body)
            headers["Content-Type"] = "application/json"
            if target.api_key:
                headers["X-API-Key"] = target.api_key
            status: int | None = None
            error: str | None = None
            try:
                response = await self._client.post(target.url, content=body, headers=headers)
                status = response.status_code
            except httpx.HTTPError as exc:
                error = type(exc).__name__
            delivered = status is not None and 200 <= status < 300
            self.attempts.append(Attempt(event["id"], attempt, status, error, delivered))
            if delivered:
                return True
            log.info("webhook_retry", event_id=event["id"], attempt=attempt, status=status,
                     error=error)  # fmt: skip
            if attempt < self.max_attempts:
                await asyncio.sleep(
                    backoff_delay(attempt, self.backoff_seconds, self.max_backoff_seconds)
                )
        self.gave_up.append(event["id"])
        log.warning("webhook_gave_up", event_id=event["id"], attempts=self.max_attempts)
        return False
