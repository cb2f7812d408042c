"""Delivers due channel messages: at least once, one transaction per message, several
replicas at once (each message is claimed with FOR UPDATE SKIP LOCKED and stays locked
while it is sent), retries with backoff, dead after ``max_attempts``.

The dispatcher runs in the background: a channel that is down slows no request.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING

import structlog
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.clock import Clock
from services.staff.notifications.models import DeliveryStatus
from services.staff.notifications.repository import NotificationRepository
from services.staff.notifications.rules import retry_delay_seconds
from services.staff.notifications.schemas import DeliveryRun
from services.staff.notifications.senders import SendFailed

if TYPE_CHECKING:
    from services.staff.notifications.senders import Sender

log = structlog.get_logger(__name__)


class ChannelDispatcher:
    """Sends pending deliveries through the sender of their channel."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        senders: Mapping[str, Sender],
        clock: Clock,
        *,
        poll_interval_seconds: float = 1.0,
        batch_size: int = 50,
        max_attempts: int = 10,
        backoff_seconds: float = 5.0,
        max_backoff_seconds: float = 3600.0,
    ) -> None:
        self.session_factory = session_factory
        self.senders = dict(senders)
        self.clock = clock
        self.poll_interval_seconds = poll_interval_seconds
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def deliver_once(self) -> DeliveryRun:
        """Try up to ``batch_size`` due deliveries once each; a stop asked for meanwhile
        ends the batch after the message in flight."""
        tried = sent = 0
        for _ in range(self.batch_size):
            if self._stopping.is_set():
                break
            outcome = await self._deliver_next()
            if outcome is None:
                break
            tried += 1
            sent += outcome
        return DeliveryRun(tried=tried, sent=sent)

    async def _deliver_next(self) -> int | None:
        async with self.session_factory() as session:
            repository = NotificationRepository(session)
            now = self.clock()
            delivery = await repository.claim_due(now)
            if delivery is None:
                await session.rollback()
                return None
            delivery.attempts += 1
            sender = self.senders.get(delivery.channel)
            try:
                if sender is None:
                    raise SendFailed(f"no sender for channel {delivery.channel}")
                await sender.send(delivery)
            except SendFailed as exc:
                delivery.last_error = str(exc)
                if delivery.attempts >= self.max_attempts:
                    delivery.status = DeliveryStatus.DEAD.value
                else:
                    delay = retry_delay_seconds(
                        delivery.attempts, self.backoff_seconds, self.max_backoff_seconds
                    )
                    delivery.next_attempt_at = now + timedelta(seconds=delay)
                log.info("notification_failed", delivery_id=str(delivery.id), error=str(exc))
                await repository.save(delivery)
                await session.commit()
                return 0
            delivery.status = DeliveryStatus.SENT.value
            delivery.sent_at = now
            delivery.last_error = None
            await repository.save(delivery)
            await session.commit()
            return 1

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                run = await self.deliver_once()
            except Exception:
                log.exception("notification_dispatch_failed")
                run = DeliveryRun(tried=0, sent=0)
            if run.tried == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.poll_interval_seconds)

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self.run(), name="notification-dispatcher")

    async def stop(self) -> None:
        """Finish the message in flight, then stop."""
        self._stopping.set()
        if self._task is not None:
            await self._task
            self._task = None
