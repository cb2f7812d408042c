"""Dunning (催款): runs that step open invoice lines through the dunning levels, the
collection tasks they create, and closing tasks when their line is paid. Never commits."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.accounts.repository import AccountRepository
from services.clients.audit.repository import AuditRepository
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail, snapshot
from services.clients.collection.models import CollectionTask
from services.clients.collection.repository import (
    CollectionRepository,
    DunningCandidate,
    TaskQuery,
)
from services.clients.collection.rules import (
    DunningPolicy,
    LineDunningState,
    dunning_step,
    task_due_on,
)
from services.clients.collection.schemas import CollectionTaskRead, DunningRunResult, TaskDone
from shared.concurrency import check_if_match
from shared.errors import InvalidTransition, NotFound
from shared.money import Money

RUN_BATCH = 500


def task_read(task: CollectionTask) -> CollectionTaskRead:
    data = task.model_dump()
    data["open_amount"] = Money.of(task.open_amount, task.currency)
    return CollectionTaskRead.model_validate(data)


def _now() -> datetime:
    return datetime.now(UTC)


class TaskListener(Protocol):
    """Told of collection tasks opened and closed (done, paid, cancelled, superseded), in
    the transaction that changed them."""

    async def opened(self, task: CollectionTask) -> None: ...

    async def closed(self, task_ids: Collection[int]) -> None: ...


async def close_tasks_of_paid_lines(session: AsyncSession, line_ids: Collection[int]) -> list[int]:
    """Close the open collection tasks of invoice lines just paid in full (status
    ``closed_paid``), audited, in the caller's transaction; the ids of those closed. The
    receivables ledger calls it when an allocation pays a line off."""
    closed = await CollectionRepository(session).close_paid(line_ids, _now())
    audit = AuditTrail(AuditRepository(session))
    for task_id, account_id, level in closed:
        audit.record(
            entity=AuditEntity.COLLECTION_TASK,
            entity_id=task_id,
            account_id=account_id,
            action="close_paid",
            actor_employee_id=None,
            after={"status": "closed_paid", "level": level},
        )
    return [task_id for task_id, _, _ in closed]


class DunningService:
    """Dunning runs and collection tasks, in the company's calendar."""

    def __init__(
        self,
        accounts: AccountRepository,
        repository: CollectionRepository,
        audit: AuditTrail,
        *,
        policy: DunningPolicy,
        task_due_days: int,
        today: Callable[[], date],
        on_tasks: TaskListener | None = None,
    ) -> None:
        self.accounts = accounts
        self.repository = repository
        self.audit = audit
        self.policy = policy
        self.task_due_days = task_due_days
        self.today = today
        self.on_tasks = on_tasks

    # ---------------------------------------------------------------- runs

    async def run(
        self, as_of: date | None = None, *, actor_employee_id: int | None = None,
        wait: bool = True,
    ) -> DunningRunResult | None:  # fmt: skip
        """Bring every open invoice line to the level its age calls for as of ``as_of``
        (default today), whatever level it had, in one run (``rules.dunning_step``). A
        line's still-open task of a lower level is cancelled as superseded, so a line has at
        most one open task. First, open tasks of lines paid in full are closed (closed_paid)
        and those of cancelled or removed lines cancelled. Serialised by an advisory lock:
        None when ``wait`` is False and another run holds it."""
        if not await self.repository.lock_dunning(wait=wait):
            return None
        day = as_of or self.today()
        now = _now()
        paid, gone = await self.repository.sweep_closed_lines(now)
        if (paid or gone) and self.on_tasks is not None:
            await self.on_tasks.closed([task_id for task_id, _ in (*paid, *gone)])
        for rows, action in ((paid, "close_paid"), (gone, "cancel")):
            for task_id, account_id in rows:
                self.audit.record(
                    entity=AuditEntity.COLLECTION_TASK,
                    entity_id=task_id,
                    account_id=account_id,
                    action=action,
                    actor_employee_id=actor_employee_id,
                )
        first_threshold = self.policy.levels[0].days_overdue
        latest_due = day - timedelta(days=first_threshold)
        checked = created = superseded = 0
        after = 0
        while True:
            batch = await self.repository.dunning_candidates(
                day, latest_due, after_line_id=after, limit=RUN_BATCH
            )
            if not batch:
                break
            checked += len(batch)
            stepped = [(ln, task) for ln in batch if (task := self._step(ln, day)) is not None]
            tasks = [task for _, task in stepped]
            replaced = await self.repository.supersede_open_tasks(
                [line.line_id for line, _ in stepped if line.last_level is not None], now
            )
            superseded += len(replaced)
            if replaced and self.on_tasks is not None:
                await self.on_tasks.closed(replaced)
            for task in tasks:
                await self.repository.add(task)
                if self.on_tasks is not None:
                    await self.on_tasks.opened(task)
                self.audit.record(
                    entity=AuditEntity.COLLECTION_TASK,
                    entity_id=task.id or 0,
                    account_id=task.account_id,
                    action="dunning",
                    actor_employee_id=actor_employee_id,
                    after=snapshot(task),
                )
            created += len(tasks)
            after = batch[-1].line_id
            if len(batch) < RUN_BATCH:
                break
        return DunningRunResult(
            as_of=day,
            lines_checked=checked,
            tasks_created=created,
            superseded=superseded,
            closed_paid=len(paid),
            cancelled=len(gone),
        )

    def _step(self, line: DunningCandidate, day: date) -> CollectionTask | None:
        state = LineDunningState(line.due_date, line.last_level)
        level = dunning_step(state, day, self.policy)
        if level is None:
            return None
        escalated = level.level in self.policy.escalated
        return CollectionTask(
            account_id=line.account_id,
            invoice_id=line.invoice_id,
            invoice_line_id=line.line_id,
            line_no=line.line_no,
            line_due_date=line.due_date,
            open_amount=line.open_amount,
            currency=line.currency,
            level=level.level,
            channel=level.channel.value,
            days_overdue=(day - line.due_date).days,
            escalated_to=line.manager_id if escalated else None,
            triggered_on=day,
            due_on=task_due_on(day, self.task_due_days),
            owner_id=line.owner_id,
        )

    # ---------------------------------------------------------------- tasks

    async def list_tasks(
        self, filters: TaskQuery, owner_ids: Collection[int] | None, *, after_id: int | None,
        limit: int,
    ) -> list[CollectionTaskRead]:  # fmt: skip
        rows = await self.repository.tasks(
            filters, owner_ids=owner_ids, after_id=after_id, limit=limit
        )
        return [task_read(task) for task in rows]

    async def history(
        self, account_id: int, owner_ids: Collection[int] | None, *, after_id: int | None,
        limit: int,
    ) -> list[CollectionTaskRead]:  # fmt: skip
        """Every collection task of the account, whatever its status, oldest first."""
        await self.accounts.visible(account_id, owner_ids)
        return await self.list_tasks(
            TaskQuery(account_id=account_id), None, after_id=after_id, limit=limit
        )

    async def get(self, task_id: int, owner_ids: Collection[int] | None) -> CollectionTaskRead:
        task = await self.repository.task(task_id, owner_ids=owner_ids)
        if task is None:
            raise NotFound(f"collection task {task_id} does not exist")
        return task_read(task)

    async def mark_done(
        self,
        task_id: int,
        data: TaskDone,
        if_match: str | None,
        owner_ids: Collection[int] | None,
        actor_employee_id: int | None,
    ) -> CollectionTaskRead:
        """Close an open task as done (If-Match required, like every change of a record)."""
        task = await self.repository.task(task_id, owner_ids=owner_ids, for_update=True)
        if task is None:
            raise NotFound(f"collection task {task_id} does not exist")
        check_if_match(if_match, task.version)
        if task.status != "open":
            raise InvalidTransition(
                f"collection task {task_id} is {task.status}; only an open task can be done",
                extra={"reason": "not_open"},
            )
        before = snapshot(task)
        task.status = "done"
        task.closed_at = _now()
        task.done_by = actor_employee_id
        if data.note is not None:
            task.note = data.note
        task.version += 1
        await self.repository.add(task)
        self.audit.record(
            entity=AuditEntity.COLLECTION_TASK,
            entity_id=task_id,
            account_id=task.account_id,
            action="done",
            actor_employee_id=actor_employee_id,
            before={key: before[key] for key in ("status", "note", "version")},
            after={key: snapshot(task)[key] for key in ("status", "note", "done_by", "version")},
        )
        if self.on_tasks is not None:
            await self.on_tasks.closed([task_id])
        return task_read(task)
