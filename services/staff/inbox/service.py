"""The rules of the inbox: posting and closing items for services, and the person's view."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from services.staff.employees.repository import EmployeeRepository
from services.staff.inbox.kinds import WorkItemState
from services.staff.inbox.models import WorkItem
from services.staff.inbox.repository import InboxFilter, InboxPosition, WorkItemRepository
from services.staff.inbox.schemas import WorkItemPost, WorkItemUpdate
from services.staff.notifications.service import NotificationService
from shared.errors import DomainError, NotFound, UnprocessableContent


class TooEarly(DomainError):
    """425: a close arrived before its post (outboxes may reorder); the sender retries it."""

    status: ClassVar[int] = 425
    slug: ClassVar[str] = "too-early"


class WorkItemService:
    """Work items: exactly once per source key; changed by their person or the source."""

    def __init__(
        self,
        items: WorkItemRepository,
        employees: EmployeeRepository,
        notifications: NotificationService | None = None,
    ) -> None:
        self.items = items
        self.employees = employees
        self.notifications = notifications

    async def post(
        self, source_service: str, data: WorkItemPost, now: datetime
    ) -> tuple[WorkItem, bool]:
        """The item of ``data.source_key`` (created now or by an earlier delivery); a new one
        is announced on the person's channels in the same transaction (exactly once)."""
        known = await self.items.by_source(source_service, data.source_key)
        if known is not None:
            return known, False
        if await self.employees.get(data.employee_id) is None:
            raise UnprocessableContent(f"employee {data.employee_id} does not exist")
        if data.team_department_id is not None and not await self.items.department_exists(
            data.team_department_id
        ):
            raise UnprocessableContent(f"department {data.team_department_id} does not exist")
        values = data.model_dump(mode="python") | {"source_service": source_service}
        values["kind"] = data.kind.value
        values["severity"] = data.severity.value
        item, created = await self.items.insert_once(values)
        if created and self.notifications is not None:
            await self.notifications.announce(item, now)
        return item, created

    async def close(self, source_service: str, source_key: str, now: datetime) -> WorkItem:
        """Mark the item done because its work is done (idempotent)."""
        item = await self.items.by_source(source_service, source_key)
        if item is None:
            raise TooEarly(f"no work item with key {source_key!r} yet; send the close again later")
        if item.closed_by_source_at is None:
            item.closed_by_source_at = now
            item.state = WorkItemState.DONE.value
            item.snoozed_until = None
            item = await self.items.save(item)
        return item

    async def close_all(self, source_service: str, key_prefix: str, now: datetime) -> int:
        """Close every open item whose key starts with ``key_prefix`` (in-process senders
        that posted one item per person); how many were closed."""
        closed = 0
        for item in await self.items.by_source_prefix(source_service, key_prefix):
            if item.closed_by_source_at is None:
                item.closed_by_source_at = now
                item.state = WorkItemState.DONE.value
                item.snoozed_until = None
                await self.items.save(item)
                closed += 1
        return closed

    async def page(
        self, wanted: InboxFilter, now: datetime, after: InboxPosition | None, limit: int
    ) -> tuple[Sequence[WorkItem], dict[str, int]]:
        """One page of the inbox and the counts per kind."""
        if not wanted.employee_ids:
            return [], {}
        rows = await self.items.page(wanted, now, after, limit)
        return rows, await self.items.counts_by_kind(wanted, now)

    async def change_state(
        self, item_id: int, readers: Sequence[int], change: WorkItemUpdate, now: datetime
    ) -> WorkItem:
        """The person's (or stand-in's) change of an item they see; others' answer 404."""
        item = await self.items.get_for(item_id, readers) if readers else None
        if item is None:
            raise NotFound(f"work item {item_id} not found")
        if change.snoozed_until is not None and change.snoozed_until <= now:
            raise UnprocessableContent("snoozed_until must be in the future")
        item.state = change.state.value
        item.snoozed_until = change.snoozed_until
        return await self.items.save(item)
