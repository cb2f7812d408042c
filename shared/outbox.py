"""The transactional outbox (rule 4 of DESIGN.md): facts for other services that must not be lost.

A service writes a message into its own ``outbox`` table with :func:`enqueue`, in the same
transaction as the change the message announces, so the change and the message commit or
roll back together. An :class:`OutboxDispatcher`, started in the service's lifespan, then
delivers due messages over HTTP (``POST <destination><path>`` with an ``Idempotency-Key``
header), retrying 5xx answers, timeouts and unreachable receivers with exponential backoff
until the receiver confirms. Receivers must apply a message idempotently: delivery is
at-least-once (a crash after the receiver answered and before our commit sends it again).

Several replicas may run a dispatcher on the same table: each message is claimed with
``SELECT … FOR UPDATE SKIP LOCKED`` and stays locked while it is sent, so two dispatchers
never deliver the same message at the same time, and a delivered one is never picked again.

Use it in a service::

    outbox = outbox_table(StaffTable.metadata)            # once, in a models module
    await enqueue(session, outbox, destination="clients", path="/v1/clients/handovers",
                  payload={...}, key=str(handover_id), kind="handover")
    dispatcher = OutboxDispatcher(outbox, session_factory, {"clients": clients_client},
                                  on_outcome=record_outcome)
    dispatcher.start(); ...; await dispatcher.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

import structlog
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.errors import DomainError
from shared.http_client import ServiceClient

log = structlog.get_logger(__name__)

RETRYABLE_CLIENT_STATUSES = frozenset({408, 425, 429})
"""4xx answers that mean "try again later" rather than "this message is wrong"."""


class OutboxStatus(StrEnum):
    """Where a message is: waiting (or retrying), confirmed by the receiver, or given up."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


def outbox_table(metadata: MetaData, name: str = "outbox") -> Table:
    """The outbox table of one service, in the schema of ``metadata``.

    Call once per service (a Table belongs to one metadata); Alembic sees it like any other
    table of the service. ``(destination, key)`` is unique, so enqueuing the same message
    twice keeps one.
    """
    return Table(
        name,
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("destination", String(32), nullable=False),
        Column("path", String(200), nullable=False),
        Column("kind", String(40), nullable=False, server_default="message"),
        Column("key", String(100), nullable=False),
        Column("payload", JSONB, nullable=False),
        Column("status", String(16), nullable=False, server_default=OutboxStatus.PENDING.value),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column(
            "next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()
        ),
        Column("last_error", Text, nullable=True),
        Column("response_status", Integer, nullable=True),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("delivered_at", DateTime(timezone=True), nullable=True),
        UniqueConstraint("destination", "key"),
        Index(
            f"ix_{name}_due",
            "next_attempt_at",
            "id",
            postgresql_where=text("status = 'pending'"),
        ),
    )


async def enqueue(
    session: AsyncSession,
    table: Table,
    *,
    destination: str,
    path: str,
    payload: Mapping[str, Any],
    key: str,
    kind: str = "message",
) -> bool:
    """Add a message to the outbox in the caller's transaction (flushes, never commits).

    ``key`` identifies the message for the receiver (sent as ``Idempotency-Key``); a second
    enqueue with the same destination and key is ignored. Whether the message is new.
    """
    statement = (
        pg_insert(table)
        .values(destination=destination, path=path, payload=dict(payload), key=key, kind=kind)
        .on_conflict_do_nothing(index_elements=["destination", "key"])
    )
    result = await (await session.connection()).execute(statement)
    return bool(result.rowcount)


async def requeue_failed(
    session: AsyncSession,
    table: Table,
    *,
    destination: str,
    key: str,
    payload: Mapping[str, Any],
) -> bool:
    """Give a failed message a fresh start (pending, no attempts, due now) with ``payload``.

    For an operator's retry after the cause of the failure is fixed. The key stays, so
    the receiver still deduplicates it. Returns whether a failed message was found.
    """
    statement = (
        update(table)
        .where(
            table.c.destination == destination,
            table.c.key == key,
            table.c.status == OutboxStatus.FAILED.value,
        )
        .values(
            payload=dict(payload),
            status=OutboxStatus.PENDING.value,
            attempts=0,
            next_attempt_at=func.now(),
            last_error=None,
            response_status=None,
        )
    )
    result = await (await session.connection()).execute(statement)
    return bool(result.rowcount)


async def failed_messages(session: AsyncSession, table: Table, limit: int) -> list[Any]:
    """Messages given up on (the receiver refused them), newest first: the dead letters."""
    statement = (
        select(table)
        .where(table.c.status == OutboxStatus.FAILED.value)
        .order_by(table.c.id.desc())
        .limit(limit)
    )
    return list((await (await session.connection()).execute(statement)).all())


async def retry_failed_message(session: AsyncSession, table: Table, message_id: int) -> Any:
    """Give failed message ``message_id`` a fresh start with its own payload (same key, so
    the receiver still sees one message); the row, or None when no such failed message."""
    statement = (
        update(table)
        .where(table.c.id == message_id, table.c.status == OutboxStatus.FAILED.value)
        .values(
            status=OutboxStatus.PENDING.value,
            attempts=0,
            next_attempt_at=func.now(),
            last_error=None,
            response_status=None,
        )
        .returning(*table.c)
    )
    return (await (await session.connection()).execute(statement)).first()


async def purge_delivered(session: AsyncSession, table: Table, older_than: timedelta) -> int:
    """Delete messages the receiver confirmed more than ``older_than`` ago; how many went.

    Only delivered ones: pending messages are work, failed ones wait for an operator.
    The receiver deduplicates on its own side, so a purged key never comes back to matter.
    """
    statement = table.delete().where(
        table.c.status == OutboxStatus.DELIVERED.value,
        table.c.delivered_at < func.now() - older_than,
    )
    result = await (await session.connection()).execute(statement)
    return int(result.rowcount or 0)


@dataclass(frozen=True)
class OutboxMessage:
    """One message as the dispatcher claimed it."""

    id: int
    destination: str
    path: str
    kind: str
    key: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class DeliveryOutcome:
    """What the receiver answered (``status_code`` None: no answer, see ``error``)."""

    status_code: int | None
    body: Any = None
    error: str | None = None

    @property
    def delivered(self) -> bool:
        """The receiver confirmed (2xx)."""
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def rejected(self) -> bool:
        """The receiver refused the message for good (a 4xx other than "try later")."""
        return (
            self.status_code is not None
            and 400 <= self.status_code < 500
            and self.status_code not in RETRYABLE_CLIENT_STATUSES
        )

    @property
    def reason(self) -> str:
        """A one-line description for logs and for records marked failed."""
        if self.error is not None:
            return self.error
        detail = self.body.get("detail") if isinstance(self.body, dict) else None
        return f"answered {self.status_code}" + (f": {detail}" if detail else "")


OutcomeHandler = Callable[[AsyncSession, OutboxMessage, DeliveryOutcome], Awaitable[None]]
"""Called in the transaction that marks a message delivered or failed (not on a retry)."""


def backoff_delay(attempts: int, base_seconds: float, max_seconds: float) -> float:
    """Seconds to wait before attempt ``attempts + 1``: doubling from ``base``, capped, ±50%."""
    delay = min(base_seconds * 2 ** max(attempts - 1, 0), max_seconds)
    return float(delay * (0.5 + random.random()))  # noqa: S311 - jitter, not security


class OutboxDispatcher:
    """Delivers due outbox messages with retries; safe to run in several replicas at once.

    Due times compare with ``clock_timestamp()`` (the wall clock), not ``now()`` (the start
    of the transaction), so a dispatcher sharing a long transaction still sees time pass.
    """

    def __init__(
        self,
        table: Table,
        session_factory: async_sessionmaker[AsyncSession],
        clients: Mapping[str, ServiceClient],
        *,
        on_outcome: OutcomeHandler | None = None,
        poll_interval_seconds: float = 1.0,
        batch_size: int = 20,
        max_attempts: int = 20,
        backoff_seconds: float = 0.5,
        max_backoff_seconds: float = 300.0,
    ) -> None:
        self.table = table
        self.session_factory = session_factory
        self.clients = dict(clients)
        self.on_outcome = on_outcome
        self.poll_interval_seconds = poll_interval_seconds
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def dispatch_once(self) -> int:
        """Try up to ``batch_size`` due messages, one transaction each; how many were tried.

        A message is tried at most once per call, however short its backoff.
        """
        tried: set[int] = set()
        while len(tried) < self.batch_size:
            message_id = await self._dispatch_next(tried)
            if message_id is None:
                break
            tried.add(message_id)
        return len(tried)

    async def _dispatch_next(self, skip: set[int]) -> int | None:
        table = self.table
        async with self.session_factory() as session:
            try:
                conditions = [
                    table.c.status == OutboxStatus.PENDING.value,
                    table.c.next_attempt_at <= func.clock_timestamp(),
                ]
                if skip:
                    conditions.append(table.c.id.not_in(skip))
                claim = (
                    select(table)
                    .where(*conditions)
                    .order_by(table.c.next_attempt_at, table.c.id)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
                connection = await session.connection()
                row = (await connection.execute(claim)).mappings().first()
                if row is None:
                    await session.rollback()
                    return None
                message = OutboxMessage(
                    id=row["id"],
                    destination=row["destination"],
                    path=row["path"],
                    kind=row["kind"],
                    key=row["key"],
                    payload=row["payload"],
                    attempts=row["attempts"],
                )
                outcome = await self._send(message)
                await self._record(session, message, outcome)
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
        return message.id

    async def _send(self, message: OutboxMessage) -> DeliveryOutcome:
        client = self.clients.get(message.destination)
        if client is None:
            return DeliveryOutcome(None, error=f"no client for destination {message.destination}")
        try:
            response = await client.request(
                "POST",
                message.path,
                json=message.payload,
                headers={"Idempotency-Key": message.key},
                idempotent=False,
            )
        except DomainError as exc:
            return DeliveryOutcome(None, error=exc.detail)
        try:
            body = response.json()
        except ValueError:
            body = None
        return DeliveryOutcome(response.status_code, body=body)

    async def _record(
        self, session: AsyncSession, message: OutboxMessage, outcome: DeliveryOutcome
    ) -> None:
        table = self.table
        attempts = message.attempts + 1
        values: dict[str, Any] = {"attempts": attempts, "response_status": outcome.status_code}
        final = outcome.delivered or outcome.rejected or attempts >= self.max_attempts
        if outcome.delivered:
            values.update(status=OutboxStatus.DELIVERED.value, delivered_at=func.clock_timestamp())
            values["last_error"] = None
        elif final:
            values.update(status=OutboxStatus.FAILED.value, last_error=outcome.reason)
        else:
            delay = backoff_delay(attempts, self.backoff_seconds, self.max_backoff_seconds)
            values.update(
                last_error=outcome.reason,
                next_attempt_at=func.clock_timestamp() + timedelta(seconds=delay),
            )
        connection = await session.connection()
        await connection.execute(update(table).where(table.c.id == message.id).values(**values))
        log.info(
            "outbox_attempt",
            message_id=message.id,
            kind=message.kind,
            destination=message.destination,
            attempt=attempts,
            status=outcome.status_code,
            delivered=outcome.delivered,
            final=final,
            reason=None if outcome.delivered else outcome.reason,
        )
        if final and self.on_outcome is not None:
            if not outcome.delivered and not outcome.rejected:
                outcome = DeliveryOutcome(
                    outcome.status_code,
                    body=outcome.body,
                    error=f"gave up after {attempts} attempts ({outcome.reason})",
                )
            await self.on_outcome(session, message, outcome)

    async def run(self) -> None:
        """Dispatch until :meth:`stop`; sleep ``poll_interval_seconds`` when nothing is due."""
        while not self._stopping.is_set():
            try:
                tried = await self.dispatch_once()
            except Exception:
                log.exception("outbox_dispatch_failed")
                tried = 0
            if tried == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.poll_interval_seconds)

    def start(self) -> None:
        """Run the dispatcher in a background task of the current event loop."""
        self._stopping.clear()
        self._task = asyncio.create_task(self.run(), name="outbox-dispatcher")

    async def stop(self) -> None:
        """Finish the message in flight, then stop."""
        self._stopping.set()
        if self._task is not None:
            await self._task
            self._task = None


async def pending_count(session: AsyncSession, table: Table) -> int:
    """How many messages wait for delivery (for probes and tests)."""
    result = await (await session.connection()).execute(
        select(func.count()).select_from(table).where(table.c.status == OutboxStatus.PENDING.value)
    )
    return int(result.scalar_one())


__all__ = [
    "DeliveryOutcome",
    "OutboxDispatcher",
    "OutboxMessage",
    "OutboxStatus",
    "OutcomeHandler",
    "backoff_delay",
    "enqueue",
    "outbox_table",
    "pending_count",
]
