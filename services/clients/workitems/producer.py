"""Posting and closing work items in the caller's transaction (the clients outbox).

A post is an outbox message keyed by the item's source key; its close is keyed
``close/<source key>``, so each is enqueued at most once however often a job or a
retried request asks. A close is only enqueued for an item that was posted: staff
answers an unknown key with 425 ("send it again later"), which would never end.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.workitems.outbox import (
    CLIENTS_OUTBOX,
    CLOSE_KIND,
    CLOSE_PATH,
    CLOSE_PREFIX,
    POST_KIND,
    POST_PATH,
    STAFF,
)
from shared.outbox import enqueue

TITLE_LENGTH = 200
SOURCE_KEY_LENGTH = 100 - len(CLOSE_PREFIX)
KEY_BATCH = 1000
"""Keys looked up in one query when many items close at once."""


class Kind(StrEnum):
    """The kinds of item clients posts (staff's ``WorkItemKind`` values of clients)."""

    SLA_ESCALATION = "sla_escalation"
    SLA_BREACH_IMMINENT = "sla_breach_imminent"
    VISIT_OVERDUE = "visit_overdue"
    DUNNING_TASK = "dunning_task"
    CONTACT_BIRTHDAY = "contact_birthday"
    CONTRACT_RENEWAL = "contract_renewal"
    ERP_EVENT_PENDING = "erp_event_pending"
    RECONCILIATION_MISMATCH = "reconciliation_mismatch"
    APPROVAL_REQUEST = "approval_request"
    APPROVAL_ANSWER = "approval_answer"
    OWNERSHIP_DISPUTE = "ownership_dispute"
    OWNERSHIP_DISPUTE_DECIDED = "ownership_dispute_decided"


class Severity(StrEnum):
    """``urgent`` items are pushed to the person's channels at once (staff decides how)."""

    INFO = "info"
    NORMAL = "normal"
    URGENT = "urgent"


@dataclass(frozen=True)
class WorkItem:
    """One item for one person, as staff's posting contract takes it."""

    source_key: str
    employee_id: int
    kind: Kind
    title: str
    record_path: str
    due_at: datetime | None = None
    account_id: int | None = None
    account_name: str | None = None
    team_department_id: int | None = None
    severity: Severity = Severity.NORMAL

    def __post_init__(self) -> None:
        if not 0 < len(self.source_key) <= SOURCE_KEY_LENGTH:
            raise ValueError(f"a source key has 1 to {SOURCE_KEY_LENGTH} characters")

    def payload(self) -> dict[str, Any]:
        title = self.title if len(self.title) <= TITLE_LENGTH else self.title[:199] + "…"
        body: dict[str, Any] = {
            "source_key": self.source_key,
            "employee_id": self.employee_id,
            "kind": self.kind.value,
            "title": title,
            "record_path": self.record_path,
            "severity": self.severity.value,
        }
        optional = {
            "due_at": self.due_at.isoformat() if self.due_at is not None else None,
            "account_id": self.account_id,
            "account_name": (self.account_name or "")[:200] or None,
            "team_department_id": self.team_department_id,
        }
        return body | {name: value for name, value in optional.items() if value is not None}


class WorkItemOutbox:
    """Work items enqueued in the session's transaction (flushes, never commits)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def post(self, item: WorkItem) -> bool:
        """Enqueue the item; False when its key was posted before (then nothing changes)."""
        return await enqueue(
            self.session,
            CLIENTS_OUTBOX,
            destination=STAFF,
            path=POST_PATH,
            payload=item.payload(),
            key=item.source_key,
            kind=POST_KIND,
        )

    async def post_all(self, items: Sequence[WorkItem]) -> int:
        """Enqueue each item; how many were new."""
        return sum([await self.post(item) for item in items])

    async def close(self, source_key: str) -> bool:
        """Enqueue the close of a posted item; whether one was enqueued now."""
        return bool(await self.close_all(source_key, exact=True))

    async def close_all(
        self, prefix: str, *, keep: Collection[str] = (), exact: bool = False
    ) -> list[str]:
        """Close every posted, not yet closed item whose key starts with ``prefix`` (or is
        it, with ``exact``), except the keys in ``keep``; the keys closed."""
        keys = [key for key in await self.open_keys(prefix, exact=exact) if key not in keep]
        await self._enqueue_closes(keys)
        return keys

    async def close_keys(self, keys: Sequence[str]) -> list[str]:
        """Close these items, those of them posted and not yet closed (a dunning run closing
        thousands of tasks: a query per ``KEY_BATCH`` keys); the keys closed."""
        closing: list[str] = []
        for start in range(0, len(keys), KEY_BATCH):
            batch = list(keys[start : start + KEY_BATCH])
            closing += await self._open_keys(CLIENTS_OUTBOX.c.key.in_(batch))
        await self._enqueue_closes(closing)
        return closing

    async def _enqueue_closes(self, keys: Sequence[str]) -> None:
        if not keys:
            return
        rows = [
            {
                "destination": STAFF,
                "path": CLOSE_PATH,
                "payload": {"source_key": key},
                "key": CLOSE_PREFIX + key,
                "kind": CLOSE_KIND,
            }
            for key in keys
        ]
        statement = pg_insert(CLIENTS_OUTBOX).on_conflict_do_nothing(
            index_elements=["destination", "key"]
        )
        await (await self.session.connection()).execute(statement, rows)

    async def open_keys(self, prefix: str, *, exact: bool = False) -> list[str]:
        """Keys of posted items under ``prefix`` that no close has been enqueued for."""
        key = CLIENTS_OUTBOX.c.key
        return await self._open_keys(
            key == prefix if exact else key.startswith(prefix, autoescape=True)
        )

    async def _open_keys(self, match: ColumnElement[bool]) -> list[str]:
        # Two index lookups, not an anti-join: the planner hashes the whole outbox for that.
        table, connection = CLIENTS_OUTBOX, await self.session.connection()
        posted = select(table.c.key).where(
            table.c.destination == STAFF, table.c.kind == POST_KIND, match
        )
        keys = [str(key) for key in (await connection.execute(posted)).scalars()]
        closed: set[str] = set()
        for start in range(0, len(keys), KEY_BATCH):
            closes = [CLOSE_PREFIX + key for key in keys[start : start + KEY_BATCH]]
            found = select(table.c.key).where(table.c.destination == STAFF, table.c.key.in_(closes))
            closed |= {
                str(k).removeprefix(CLOSE_PREFIX)
                for k in (await connection.execute(found)).scalars()
            }
        return sorted(key for key in keys if key not in closed)
