"""The ERP pull sync: asks the ERP for changes since a stored cursor and applies them
through the webhook's own ingest path (so a pushed and a pulled copy of one event have one
effect), behind a circuit breaker, in a background task.

A round:

1. *claim* (one short transaction): ``pg_try_advisory_xact_lock`` picks one replica; it
   reads the state row, refuses while the breaker is open, and takes a lease (a replica
   that crashed mid-round blocks others only until the lease ends);
2. per page, *fetch* (no transaction open, so a hanging ERP holds no database connection)
   then *apply* (one transaction): every event goes through :class:`ErpIngest` and the
   cursor moves to the page's ``next_cursor`` in the same transaction — a crash or an
   error mid-page leaves the cursor where the last committed page put it, and the next
   round applies that page again (the inbox makes each event count once);
3. the outcome is written on the state row (failures, the breaker) and as a run row.

The lifespan starts the loop only when ``erp_base_url`` is set and the interval is > 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.dependencies import build_erp_ingest
from services.clients.erp.client import ErpClient, ErpFailure
from services.clients.erp.events import EVENT
from services.clients.erp.models import ErpSyncRun, ErpSyncState
from services.clients.erp.repository import ErpSyncRepository
from services.clients.erp.schemas import (
    BreakerState,
    ErpSyncRunRead,
    ErpSyncStateRead,
    SyncOutcome,
    SyncTrigger,
)
from services.clients.receivables.schemas import DeliveryOutcome
from services.clients.settings import ClientsSettings

log = structlog.get_logger(__name__)

KEEP_RUNS = 200
RECENT_RUNS = 10
MAX_ERROR = 500
BeforeApply = Callable[[int, dict[str, Any]], Awaitable[None]]
"""A test seam: called before each event of a page is applied (index, event)."""


# ----------------------------------------------------------------------------- pure rules


def breaker_state(
    failures: int, open_until: datetime | None, now: datetime, threshold: int
) -> BreakerState:
    """Closed below ``threshold`` consecutive failures; then open until the cool-down ends,
    and half-open after it (one round may probe the ERP)."""
    if failures < threshold:
        return BreakerState.CLOSED
    if open_until is not None and now < open_until:
        return BreakerState.OPEN
    return BreakerState.HALF_OPEN


def after_failure(
    failures: int, now: datetime, threshold: int, cooldown_seconds: float
) -> tuple[int, datetime | None]:
    """The failure count and the breaker's end after one more failed round."""
    failures += 1
    if failures >= threshold:
        return failures, now + timedelta(seconds=cooldown_seconds)
    return failures, None


def lease_seconds(settings: ClientsSettings) -> float:
    """How long one page (its fetch with retries, and its apply) may take at most."""
    attempts = settings.erp_retries + 1
    return (
        settings.erp_timeout_seconds * attempts
        + settings.erp_max_backoff_seconds * 1.5 * settings.erp_retries
        + 60.0
    )


def _short(reason: str) -> str:
    return reason if len(reason) <= MAX_ERROR else reason[: MAX_ERROR - 1] + "…"


# ----------------------------------------------------------------------------- the round


class SyncBusy(Exception):
    """Another replica (or another manual call) is running a round."""


@dataclass
class _Tally:
    pages: int = 0
    received: int = 0
    applied: int = 0
    duplicate: int = 0
    pending: int = 0

    def add(self, other: _Tally) -> None:
        self.pages += other.pages
        self.received += other.received
        self.applied += other.applied
        self.duplicate += other.duplicate
        self.pending += other.pending


@dataclass
class _Round:
    trigger: SyncTrigger
    requested_by: int | None
    started_at: datetime
    lease: str
    cursor_before: str | None
    cursor: str | None
    tally: _Tally = field(default_factory=_Tally)


class ErpSync:
    """Runs rounds of the pull sync with its own transactions (it is a job, not a request)."""

    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        erp: ErpClient,
        settings: ClientsSettings,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        before_apply: BeforeApply | None = None,
    ) -> None:
        self.factory = factory
        self.erp = erp
        self.settings = settings
        self.now = now
        self.before_apply = before_apply

    def breaker(self, state: ErpSyncState) -> BreakerState:
        return breaker_state(
            state.consecutive_failures,
            state.breaker_open_until,
            self.now(),
            self.settings.erp_breaker_failures,
        )

    async def run_once(
        self, trigger: SyncTrigger = SyncTrigger.SCHEDULE, requested_by: int | None = None
    ) -> ErpSyncRunRead | None:
        """One round. None when a scheduled round found the breaker open; raises
        :class:`SyncBusy` when another round holds the lock or the lease."""
        current = await self._claim(trigger, requested_by)
        if isinstance(current, ErpSyncRunRead) or current is None:
            return current
        try:
            return await self._pages(current)
        except asyncio.CancelledError:  # shutting down: let another replica go on at once
            with contextlib.suppress(Exception):
                await self._release(current)
            raise
        except ErpFailure as exc:
            return await self._finish(current, error=exc.reason)
        except Exception as exc:
            log.exception("erp_sync_crashed")
            return await self._finish(current, error=f"the sync failed: {type(exc).__name__}")

    async def _claim(
        self, trigger: SyncTrigger, requested_by: int | None
    ) -> _Round | ErpSyncRunRead | None:
        now = self.now()
        async with self.factory() as session:
            repository = ErpSyncRepository(session)
            if not await repository.try_lock():
                raise SyncBusy("another replica is starting a round")
            state = await repository.state(for_update=True)
            breaker = self.breaker(state)
            if breaker is BreakerState.OPEN:
                if trigger is SyncTrigger.SCHEDULE:
                    return None
                run = ErpSyncRun(
                    trigger=trigger.value,
                    requested_by=requested_by,
                    started_at=now,
                    finished_at=now,
                    outcome=SyncOutcome.BREAKER_OPEN.value,
                    cursor_before=state.cursor,
                    cursor_after=state.cursor,
                    error=state.last_error,
                )
                await repository.save(run)
                await repository.prune_runs(KEEP_RUNS)
                await session.commit()
                return ErpSyncRunRead.model_validate(run)
            if state.lease_owner and state.lease_until and state.lease_until > now:
                raise SyncBusy("a round is running")
            lease = str(uuid.uuid4())
            state.lease_owner = lease
            state.lease_until = now + timedelta(seconds=lease_seconds(self.settings))
            state.last_attempt_at = now
            cursor = state.cursor
            await repository.save(state)
            await session.commit()
        if breaker is BreakerState.HALF_OPEN:
            log.info("erp_breaker_probe", failures=state.consecutive_failures)
        return _Round(trigger, requested_by, now, lease, cursor, cursor)

    async def _pages(self, current: _Round) -> ErpSyncRunRead:
        settings = self.settings
        for _ in range(settings.erp_max_pages_per_round):
            page = await self.erp.changes(current.cursor, settings.erp_page_size)
            events = [_parse(item) for item in page.items]
            done, run = await self._apply_page(current, events, page.next_cursor, page.has_more)
            if done:
                assert run is not None
                return run
        return await self._finish(current)  # more remains: the next round continues

    async def _apply_page(
        self,
        current: _Round,
        events: list[tuple[Any, dict[str, Any]]],
        next_cursor: str,
        has_more: bool,
    ) -> tuple[bool, ErpSyncRunRead | None]:
        async with self.factory() as session:
            repository = ErpSyncRepository(session)
            state = await repository.state(for_update=True)
            if state.lease_owner != current.lease:
                raise ErpFailure("the round lost its lease (it took too long)", transient=False)
            tally = _Tally(pages=1, received=len(events))
            failed: str | None = None
            try:
                async with session.begin_nested():
                    ingest = build_erp_ingest(session, self.settings)
                    # A page's events are many and unrelated: applied alone, not beside
                    # deliveries (their record locks could not be taken in one order).
                    await ingest.repository.enter_erp_apply(alone=True)
                    for index, (event, payload) in enumerate(events):
                        failed = payload["id"]
                        if self.before_apply is not None:
                            await self.before_apply(index, payload)
                        receipt = await ingest.receive(payload["id"], event, payload)
                        if receipt.outcome is DeliveryOutcome.DUPLICATE:
                            tally.duplicate += 1
                        elif receipt.outcome is DeliveryOutcome.PENDING:
                            tally.pending += 1
                        else:
                            tally.applied += 1
            except Exception as exc:
                log.warning("erp_sync_apply_failed", event_id=failed, error=repr(exc)[:300])
                error = f"applying event {failed} failed ({type(exc).__name__}); page not applied"
                state = await repository.state(for_update=True)  # reloaded after the rollback
                run = await self._record(session, repository, state, current, error=error)
                return True, run
            current.tally.add(tally)
            state.cursor = next_cursor
            current.cursor = next_cursor
            if has_more:
                state.lease_until = self.now() + timedelta(seconds=lease_seconds(self.settings))
                await repository.save(state)
                await session.commit()
                return False, None
            run = await self._record(session, repository, state, current, error=None)
            return True, run

    async def _release(self, current: _Round) -> None:
        async with self.factory() as session:
            repository = ErpSyncRepository(session)
            state = await repository.state(for_update=True)
            if state.lease_owner == current.lease:
                state.lease_owner = None
                state.lease_until = None
                await repository.save(state)
            await session.commit()

    async def _finish(self, current: _Round, *, error: str | None = None) -> ErpSyncRunRead:
        async with self.factory() as session:
            repository = ErpSyncRepository(session)
            state = await repository.state(for_update=True)
            return await self._record(session, repository, state, current, error=error)

    async def _record(
        self,
        session: AsyncSession,
        repository: ErpSyncRepository,
        state: ErpSyncState,
        current: _Round,
        *,
        error: str | None,
    ) -> ErpSyncRunRead:
        """Write the round's outcome on the state row and as a run; commit."""
        now = self.now()
        settings = self.settings
        if state.lease_owner == current.lease:
            state.lease_owner = None
            state.lease_until = None
        if error is None:
            state.consecutive_failures = 0
            state.breaker_open_until = None
            state.last_error = None
            state.last_success_at = now
        else:
            error = _short(error)
            was_open = state.breaker_open_until is not None
            state.consecutive_failures, state.breaker_open_until = after_failure(
                state.consecutive_failures,
                now,
                settings.erp_breaker_failures,
                settings.erp_breaker_cooldown_seconds,
            )
            state.last_error = error
            log.warning(
                "erp_sync_failed", error=error, consecutive_failures=state.consecutive_failures
            )
            if state.breaker_open_until is not None:
                log.error(
                    "erp_breaker_opened" if not was_open else "erp_breaker_reopened",
                    until=state.breaker_open_until.isoformat(),
                    consecutive_failures=state.consecutive_failures,
                )
        tally = current.tally
        run = ErpSyncRun(
            trigger=current.trigger.value,
            requested_by=current.requested_by,
            started_at=current.started_at,
            finished_at=now,
            outcome=(SyncOutcome.OK if error is None else SyncOutcome.FAILED).value,
            pages=tally.pages,
            events_received=tally.received,
            events_applied=tally.applied,
            events_duplicate=tally.duplicate,
            events_pending=tally.pending,
            cursor_before=current.cursor_before,
            cursor_after=state.cursor,
            error=error,
        )
        await repository.save(state)
        await repository.save(run)
        await repository.prune_runs(KEEP_RUNS)
        await session.commit()
        if error is None and tally.received:
            log.info(
                "erp_synced",
                pages=tally.pages,
                events=tally.received,
                applied=tally.applied,
                duplicate=tally.duplicate,
                pending=tally.pending,
            )
        return ErpSyncRunRead.model_validate(run)


async def describe_state(
    session: AsyncSession, settings: ClientsSettings, now: datetime
) -> ErpSyncStateRead:
    """What ``GET /v1/clients/erp/sync`` shows (read in the request's session)."""
    repository = ErpSyncRepository(session)
    state = await repository.state()
    runs = await repository.recent_runs(RECENT_RUNS)
    breaker = breaker_state(
        state.consecutive_failures, state.breaker_open_until, now, settings.erp_breaker_failures
    )
    return ErpSyncStateRead(
        enabled=settings.erp_base_url is not None,
        interval_seconds=settings.erp_sync_interval_seconds,
        cursor=state.cursor,
        last_attempt_at=state.last_attempt_at,
        last_success_at=state.last_success_at,
        last_error=state.last_error,
        consecutive_failures=state.consecutive_failures,
        breaker=breaker,
        breaker_open_until=state.breaker_open_until if breaker is BreakerState.OPEN else None,
        running=bool(state.lease_owner and state.lease_until and state.lease_until > now),
        recent_runs=[ErpSyncRunRead.model_validate(run) for run in runs],
    )


def _parse(item: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """One event of the feed, validated like a webhook's body; a malformed one fails the
    round (the cursor stays before it, and the error names it)."""
    ident = item.get("id")
    if not isinstance(ident, str) or not 1 <= len(ident) <= 255:
        raise ErpFailure("the ERP sent an event without a valid id", transient=False)
    try:
        return EVENT.validate_python(item), item
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ErpFailure(
            f"the ERP sent a malformed event {ident[:64]} ({where}: {first['msg']})",
            transient=False,
        ) from None


# ----------------------------------------------------------------------------- wiring


def build_erp_client(settings: ClientsSettings) -> ErpClient:
    """The ERP client these settings describe (``erp_base_url`` must be set)."""
    assert settings.erp_base_url is not None
    return ErpClient(
        settings.erp_base_url,
        api_key=settings.erp_api_key.get_secret_value() if settings.erp_api_key else None,
        timeout_seconds=settings.erp_timeout_seconds,
        max_response_bytes=settings.erp_max_response_bytes,
        retries=settings.erp_retries,
        backoff_seconds=settings.erp_backoff_seconds,
        max_backoff_seconds=settings.erp_max_backoff_seconds,
    )


def erp_sync_lifespan(
    settings: ClientsSettings,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Hold the ERP client (``app.state.erp_client``) and run a round every
    ``erp_sync_interval_seconds`` (0 = only manual rounds; no base URL = nothing)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.erp_base_url is None:
            yield
            return
        client = build_erp_client(settings)
        app.state.erp_client = client
        interval = settings.erp_sync_interval_seconds

        async def forever() -> None:
            while True:
                await asyncio.sleep(interval)
                try:
                    await ErpSync(app.state.session_factory, client, settings).run_once()
                except SyncBusy:
                    pass
                except Exception as exc:
                    log.error("erp_sync_round_failed", error=repr(exc)[:300])

        task = asyncio.create_task(forever(), name="erp-sync") if interval > 0 else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await client.aclose()

    return lifespan
