"""The channel dispatcher and the digest timer, started with the app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime

from fastapi import FastAPI
from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.clock import Clock, system_clock
from services.staff.dependencies import build_notification_service
from services.staff.notifications.dispatcher import ChannelDispatcher
from services.staff.notifications.models import Channel
from services.staff.notifications.robots import RobotSender
from services.staff.notifications.senders import SmtpSender
from services.staff.settings import StaffSettings
from shared.scheduled import periodic_lifespan, run_exclusively


def app_clock(app: FastAPI) -> Clock:
    """The app's clock, looked up at each tick (a test or job may install another)."""

    def now() -> datetime:
        clock: Clock = getattr(app.state, "clock", system_clock)
        return clock()

    return now


def channel_dispatcher(app: FastAPI) -> ChannelDispatcher:
    """A dispatcher over the app's sessions, senders and clock (``app.state.clock`` if set)."""
    settings: StaffSettings = app.state.settings
    robots = RobotSender(settings.group_robots, settings.smtp_timeout_seconds)
    senders = getattr(app.state, "notification_senders", None) or {
        Channel.EMAIL.value: SmtpSender(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_sender,
            settings.smtp_timeout_seconds,
        ),
        Channel.WECOM.value: robots,
        Channel.DINGTALK.value: robots,
    }
    return ChannelDispatcher(
        app.state.session_factory,
        senders,
        app_clock(app),
        poll_interval_seconds=settings.notifications_poll_interval_seconds,
        max_attempts=settings.notifications_max_attempts,
        backoff_seconds=settings.notifications_backoff_seconds,
        max_backoff_seconds=settings.notifications_max_backoff_seconds,
    )


@asynccontextmanager
async def notifications_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Run the channel dispatcher while the app runs (replicas share the work)."""
    settings: StaffSettings = app.state.settings
    if not settings.notifications_dispatcher_enabled:
        yield
        return
    dispatcher = channel_dispatcher(app)
    dispatcher.start()
    try:
        yield
    finally:
        await dispatcher.stop()


DIGEST_LOCK = 0x4B414D_0D16
"""Advisory lock key of the digest round (one replica plans each round)."""


async def digest_round(app: FastAPI) -> None:
    """Plan the daily digests due now (idempotent per person and day)."""
    settings: StaffSettings = app.state.settings

    async def plan(session: AsyncSession) -> int:
        service = build_notification_service(session, settings)
        return await service.plan_digests(app_clock(app)())

    await run_exclusively(app.state.session_factory, DIGEST_LOCK, plan)


def digest_lifespan(app: FastAPI) -> AbstractAsyncContextManager[None]:
    """The digest timer (``STAFF_NOTIFICATIONS_DIGEST_INTERVAL_SECONDS``; 0 = never)."""
    settings: StaffSettings = app.state.settings
    interval = settings.notifications_digest_interval_seconds
    return periodic_lifespan("notification-digest", interval, digest_round)(app)
