"""The clients service's periodic jobs, wired from settings like the routes are (one
replica runs each round; a transaction-level advisory lock makes the others skip it).

- The scheduled regrading: every account's grade recomputed at a fixed interval, by one
  replica per round (shared.scheduled).

- The periodic SLA breach check: every ``sla_check_interval_seconds`` one replica flags
  missed deadlines and escalates (shared.scheduled).

- The scheduled dunning run: every ``dunning_run_interval_seconds`` one replica runs it as
  of today; a transaction-level advisory lock makes the others skip the round.

- The work-item round: every ``work_items_interval_seconds`` one replica posts the
  time-based items for staff's inbox (imminent SLA breaches, overdue visits, birthdays,
  renewals, ERP events waiting) and closes those whose time is over; the reconciliation
  round compares with the ERP every ``reconciliation_interval_seconds`` and tells finance.

- The outbox dispatcher: every replica delivers ``clients.outbox`` to staff (SKIP LOCKED
  shares the messages; nothing is sent twice at the same time).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import structlog
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.dependencies import (
    build_breach_check,
    build_dunning,
    build_grading,
    build_work_item_rounds,
)
from services.clients.erp.client import ErpClient, ErpFailure
from services.clients.erp.reconciliation import Reconciliation
from services.clients.erp.repository import ErpSyncRepository
from services.clients.grading.schemas import BulkRegradeResult
from services.clients.settings import ClientsSettings
from services.clients.tickets.sla import BREACH_BATCH
from services.clients.workitems.outbox import CLIENTS_OUTBOX, STAFF
from services.clients.workitems.producers import RoundResult
from shared.http_client import ServiceClient
from shared.outbox import OutboxDispatcher
from shared.periods import company_day
from shared.scheduled import Lifespan, periodic_lifespan, run_exclusively

log = structlog.get_logger(__name__)


REGRADE_LOCK = 0x4B414D01  # "KAM" + 1: the advisory lock of the regrading job


async def regrade_once(
    factory: async_sessionmaker[AsyncSession], settings: ClientsSettings
) -> bool:
    """One round, if no other replica is doing it; whether this process did it."""

    async def regrade(session: AsyncSession) -> BulkRegradeResult:
        return await build_grading(session, settings).recompute_all()

    ran, result = await run_exclusively(factory, REGRADE_LOCK, regrade)
    if result is not None:
        log.info("regraded", evaluated=result.evaluated, changed=result.changed)
    return ran


def regrading_lifespan(settings: ClientsSettings) -> Lifespan:
    """Run :func:`regrade_once` every ``grade_recompute_interval_seconds`` (0 = never)."""
    return periodic_lifespan(
        "regrade",
        settings.grade_recompute_interval_seconds,
        lambda app: regrade_once(app.state.session_factory, settings),
    )


SLA_CHECK_LOCK = 0x4B414D53  # "KAMS": the advisory lock of the SLA breach check


async def _check_batch(session: AsyncSession) -> int:
    check = build_breach_check(session)
    return len(await check.flag_batch(check.now()))


async def sla_check_once(factory: async_sessionmaker[AsyncSession]) -> bool:
    """One round, if no other replica is doing it; whether this process did it.

    A transaction per batch of tickets: a round over thousands of breached tickets in one
    transaction held their rows for its whole length, and a handover moving them waited
    (measured: 22 s for 5,978 accounts while 12,696 tickets were being flagged).
    """
    flagged = 0
    while True:
        ran, count = await run_exclusively(factory, SLA_CHECK_LOCK, _check_batch)
        if not ran or count is None:  # another replica has the round (or took it over)
            break
        flagged += count
        if count < BREACH_BATCH:
            break
    if flagged:
        log.info("sla_checked", flagged=flagged)
    return ran or flagged > 0


def sla_check_lifespan(settings: ClientsSettings) -> Lifespan:
    """Run :func:`sla_check_once` every ``sla_check_interval_seconds`` (0 = never)."""
    return periodic_lifespan(
        "sla-check",
        settings.sla_check_interval_seconds,
        lambda app: sla_check_once(app.state.session_factory),
    )


async def dunning_once(
    factory: async_sessionmaker[AsyncSession], settings: ClientsSettings
) -> bool:
    """One run as of today, if no other replica is running one; whether this process did."""
    async with factory() as session:
        result = await build_dunning(session, settings).run(wait=False)
        if result is None:
            return False
        await session.commit()
    if result.tasks_created or result.closed_paid or result.cancelled:
        log.info(
            "dunning_run",
            created=result.tasks_created,
            superseded=result.superseded,
            closed_paid=result.closed_paid,
            cancelled=result.cancelled,
        )
    return True


def dunning_lifespan(settings: ClientsSettings) -> Lifespan:
    """Run :func:`dunning_once` every ``dunning_run_interval_seconds`` (0 = never)."""
    return periodic_lifespan(
        "dunning-run",
        settings.dunning_run_interval_seconds,
        lambda app: dunning_once(app.state.session_factory, settings),
    )


WORK_ITEMS_LOCK = 0x4B414D57  # "KAMW": the advisory lock of the work-item round


async def work_items_once(
    factory: async_sessionmaker[AsyncSession],
    settings: ClientsSettings,
    now: datetime | None = None,
) -> RoundResult | None:
    """One round of the time-based work items as of ``now``, if no other replica is doing
    it; what it posted and closed (None when another replica has the round)."""
    moment = now or datetime.now(UTC)
    today = company_day(moment, settings.timezone)

    async def run(session: AsyncSession) -> RoundResult:
        return await build_work_item_rounds(session, settings).run(moment, today)

    _, result = await run_exclusively(factory, WORK_ITEMS_LOCK, run)
    if result is not None and (result.posted or result.closed):
        log.info("work_items_round", posted=result.posted, closed=result.closed)
    return result


def work_items_lifespan(settings: ClientsSettings) -> Lifespan:
    """Run :func:`work_items_once` every ``work_items_interval_seconds`` (0 = never)."""
    return periodic_lifespan(
        "work-items",
        settings.work_items_interval_seconds,
        lambda app: work_items_once(app.state.session_factory, settings),
    )


async def reconciliation_once(
    factory: async_sessionmaker[AsyncSession],
    settings: ClientsSettings,
    erp: ErpClient,
    now: datetime | None = None,
) -> RoundResult | None:
    """Reconcile with the ERP and tell finance of today's differences (a clean result
    closes earlier items); None when the ERP gave no answer or another replica posts."""
    moment = now or datetime.now(UTC)
    async with factory() as session:  # the ERP is read outside the posting transaction
        try:
            report = await Reconciliation(ErpSyncRepository(session), erp).report()
        except ErpFailure as exc:
            log.warning("reconciliation_round_failed", reason=exc.reason)
            return None
    differences = {
        "发票": len(report.invoices.missing_here)
        + len(report.invoices.missing_in_erp)
        + len(report.invoices.mismatched),
        "回款": len(report.payments.missing_here)
        + len(report.payments.missing_in_erp)
        + len(report.payments.mismatched),
    }
    today = company_day(moment, settings.timezone)

    async def post(session: AsyncSession) -> RoundResult:
        result = RoundResult()
        rounds = build_work_item_rounds(session, settings)
        await rounds.reconciliation_differences(today, differences, result)
        return result

    _, result = await run_exclusively(factory, WORK_ITEMS_LOCK, post)
    return result


def reconciliation_lifespan(settings: ClientsSettings) -> Lifespan:
    """Run :func:`reconciliation_once` every ``reconciliation_interval_seconds`` while the
    ERP link is on (``app.state.erp_client``; 0 = never)."""

    async def round_(app: FastAPI) -> object:
        erp: ErpClient | None = getattr(app.state, "erp_client", None)
        if erp is None:
            return None
        return await reconciliation_once(app.state.session_factory, settings, erp)

    return periodic_lifespan("reconciliation", settings.reconciliation_interval_seconds, round_)


def clients_dispatcher(app: FastAPI, settings: ClientsSettings) -> OutboxDispatcher:
    """A dispatcher over ``clients.outbox`` delivering to staff with a service token."""
    staff = ServiceClient(
        STAFF,
        settings.staff_url,
        timeout_seconds=settings.upstream_timeout_seconds,
        retries=0,
        token_source=getattr(app.state, "service_token", None),
    )
    return OutboxDispatcher(
        CLIENTS_OUTBOX,
        app.state.session_factory,
        {STAFF: staff},
        poll_interval_seconds=settings.outbox_poll_interval_seconds,
        batch_size=settings.outbox_batch_size,
        max_attempts=settings.outbox_max_attempts,
        backoff_seconds=settings.outbox_backoff_seconds,
        max_backoff_seconds=settings.outbox_max_backoff_seconds,
    )


def outbox_lifespan(settings: ClientsSettings) -> Lifespan:
    """Deliver the outbox while the app runs (every replica may: SKIP LOCKED shares it);
    a staff that is down only delays the items, never a request."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not settings.outbox_dispatcher_enabled:
            yield
            return
        dispatcher = clients_dispatcher(app, settings)
        app.state.outbox_dispatcher = dispatcher
        dispatcher.start()
        try:
            yield
        finally:
            await dispatcher.stop()
            for client in dispatcher.clients.values():
                await client.aclose()

    return lifespan
