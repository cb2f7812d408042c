"""Every query on work items."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.departments.models import Department
from services.staff.inbox.kinds import WorkItemState
from services.staff.inbox.models import WorkItem


@dataclass(frozen=True)
class InboxFilter:
    """What a person asks of an inbox; ``state`` is the state as the person sees it."""

    employee_ids: Sequence[int]
    state: WorkItemState = WorkItemState.OPEN
    kinds: Sequence[str] = ()
    due_before: datetime | None = None
    due_after: datetime | None = None
    account_id: int | None = None


@dataclass(frozen=True)
class InboxPosition:
    """A keyset position: items are ordered by due time (none last), then id."""

    due_at: datetime | None
    id: int


def seen_in_state(state: WorkItemState, now: datetime) -> ColumnElement[bool]:
    """Rows a person sees in ``state``: a snooze that has run out shows as open again."""
    snoozed = col(WorkItem.state) == WorkItemState.SNOOZED.value
    if state is WorkItemState.OPEN:
        return or_(
            col(WorkItem.state) == WorkItemState.OPEN.value,
            and_(snoozed, col(WorkItem.snoozed_until) <= now),
        )
    if state is WorkItemState.SNOOZED:
        return and_(snoozed, col(WorkItem.snoozed_until) > now)
    return col(WorkItem.state) == state.value


def _after(position: InboxPosition) -> ColumnElement[bool]:
    due, ident = col(WorkItem.due_at), col(WorkItem.id)
    if position.due_at is None:
        return and_(due.is_(None), ident > position.id)
    return or_(
        due > position.due_at,
        and_(due == position.due_at, ident > position.id),
        due.is_(None),
    )


class WorkItemRepository:
    """Queries for work items, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_source_prefix(self, source_service: str, prefix: str) -> Sequence[WorkItem]:
        """The items of one sender whose key starts with ``prefix``, locked."""
        result = await self.session.exec(
            select(WorkItem)
            .where(
                col(WorkItem.source_service) == source_service,
                col(WorkItem.source_key).startswith(prefix, autoescape=True),
            )
            .order_by(col(WorkItem.id))
            .with_for_update()
        )
        return result.all()

    async def insert_once(self, values: dict[str, Any]) -> tuple[WorkItem, bool]:
        """Insert unless the source key is known; the row and whether it is new."""
        statement = (
            pg_insert(WorkItem)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["source_service", "source_key"])
            .returning(col(WorkItem.id))
        )
        connection = await self.session.connection()
        inserted = (await connection.execute(statement)).scalar_one_or_none()
        item = await self.by_source(values["source_service"], values["source_key"])
        assert item is not None  # inserted now or by an earlier delivery
        return item, inserted is not None

    async def department_exists(self, department_id: int) -> bool:
        return await self.session.get(Department, department_id) is not None

    async def by_source(self, source_service: str, source_key: str) -> WorkItem | None:
        result = await self.session.exec(
            select(WorkItem)
            .where(
                col(WorkItem.source_service) == source_service,
                col(WorkItem.source_key) == source_key,
            )
            .execution_options(populate_existing=True)
        )
        return result.first()

    async def get_for(self, item_id: int, employee_ids: Sequence[int]) -> WorkItem | None:
        result = await self.session.exec(
            select(WorkItem).where(
                col(WorkItem.id) == item_id, col(WorkItem.employee_id).in_(list(employee_ids))
            )
        )
        return result.first()

    def _where(self, wanted: InboxFilter, now: datetime) -> list[ColumnElement[bool]]:
        conditions = [
            col(WorkItem.employee_id).in_(list(wanted.employee_ids)),
            seen_in_state(wanted.state, now),
        ]
        if wanted.kinds:
            conditions.append(col(WorkItem.kind).in_(list(wanted.kinds)))
        if wanted.due_before is not None:
            conditions.append(col(WorkItem.due_at) < wanted.due_before)
        if wanted.due_after is not None:
            conditions.append(col(WorkItem.due_at) >= wanted.due_after)
        if wanted.account_id is not None:
            conditions.append(col(WorkItem.account_id) == wanted.account_id)
        return conditions

    async def page(
        self, wanted: InboxFilter, now: datetime, after: InboxPosition | None, limit: int
    ) -> Sequence[WorkItem]:
        query = (
            select(WorkItem)
            .where(*self._where(wanted, now))
            .order_by(col(WorkItem.due_at).asc().nulls_last(), col(WorkItem.id))
            .limit(limit)
        )
        if after is not None:
            query = query.where(_after(after))
        return (await self.session.exec(query)).all()

    async def counts_by_kind(self, wanted: InboxFilter, now: datetime) -> dict[str, int]:
        """Items per kind under the filter's people and state (the badges)."""
        badge_filter = InboxFilter(employee_ids=wanted.employee_ids, state=wanted.state)
        query = (
            select(WorkItem.kind, func.count())
            .where(*self._where(badge_filter, now))
            .group_by(col(WorkItem.kind))
        )
        rows = (await self.session.exec(query)).all()
        return {kind: int(count) for kind, count in rows}

    async def save(self, item: WorkItem) -> WorkItem:
        self.session.add(item)
        await self.session.flush()
        await self.session.refresh(item)
        return item
