"""What clients tells people through staff's inbox: each item built from its record, and
the time-based rounds (imminent SLA breaches, overdue visits, key contacts' birthdays,
renewals, ERP events waiting, reconciliation differences).

Event-driven items are posted by the reactions (``services.clients.reactions``) in the
transaction of their change; the rounds run in ``services.clients.jobs``. Both enqueue
through :class:`WorkItemOutbox`, so a round run twice posts nothing twice.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from services.clients.approvals.models import ApprovalRequest
from services.clients.collection.models import CollectionTask
from services.clients.disputes.models import OwnershipDispute
from services.clients.disputes.rules import Winner
from services.clients.tickets.models import Ticket
from services.clients.workitems import rules
from services.clients.workitems.producer import Kind, Severity, WorkItem, WorkItemOutbox
from services.clients.workitems.queries import WorkItemQueries

ROUND_LIMIT = 1000
"""Records one round of one kind looks at; the next round takes the rest."""

APPROVAL_STATES = {"approved": "已批准", "refused": "已驳回", "failed": "未能执行"}
DEADLINES = {"respond": "响应", "resolve": "解决"}


def ticket_path(ticket_id: int) -> str:
    return f"/v1/clients/tickets/{ticket_id}"


def escalation_item(ticket: Ticket, account_name: str | None) -> WorkItem | None:
    """The escalated ticket for the manager it went to (none when the owner has none)."""
    assert ticket.id is not None
    if ticket.escalated_to is None:
        return None
    return WorkItem(
        source_key=rules.escalation_key(ticket.id, ticket.reopen_count),
        employee_id=ticket.escalated_to,
        kind=Kind.SLA_ESCALATION,
        title=f"工单 #{ticket.id}「{ticket.title}」SLA 已超时，升级至您处理",
        record_path=ticket_path(ticket.id),
        due_at=ticket.resolve_by,
        account_id=ticket.account_id,
        account_name=account_name,
        team_department_id=ticket.queue_id,
        severity=Severity.URGENT,
    )


def imminent_items(ticket: Ticket, now: datetime, window: timedelta) -> list[WorkItem]:
    """The ticket's deadlines about to pass, for whoever works it (handler, else owner)."""
    assert ticket.id is not None
    deadlines = {
        "respond": ticket.respond_by if ticket.first_response_at is None else None,
        "resolve": ticket.resolve_by,
    }
    return [
        WorkItem(
            source_key=rules.imminent_key(ticket.id, which, ticket.reopen_count),
            employee_id=ticket.handler_id or ticket.owner_id,
            kind=Kind.SLA_BREACH_IMMINENT,
            title=f"工单 #{ticket.id}「{ticket.title}」即将超过{DEADLINES[which]}时限",
            record_path=ticket_path(ticket.id),
            due_at=deadline,
            account_id=ticket.account_id,
            team_department_id=ticket.queue_id,
            severity=Severity.URGENT,
        )
        for which, deadline in deadlines.items()
        if deadline is not None and rules.breach_imminent(deadline, now, window)
    ]


def collection_items(task: CollectionTask, account_name: str | None) -> list[WorkItem]:
    """A new collection task for its owner, and (urgent) for the manager it escalates to."""
    assert task.id is not None
    people = {"owner": task.owner_id, "manager": task.escalated_to}
    return [
        WorkItem(
            source_key=rules.collection_task_key(task.id, role),
            employee_id=person,
            kind=Kind.DUNNING_TASK,
            title=f"催收：发票第 {task.line_no} 行逾期 {task.days_overdue} 天，"
            f"未收 {task.open_amount} {task.currency}（第 {task.level} 级）",
            record_path=f"/v1/clients/collection-tasks/{task.id}",
            account_id=task.account_id,
            account_name=account_name,
            severity=Severity.URGENT if role == "manager" else Severity.NORMAL,
        )
        for role, person in people.items()
        if person is not None
    ]


def approval_request_item(request: ApprovalRequest, account_name: str | None) -> WorkItem | None:
    """The request for its approver (a four-eyes request has none named: its deciders
    see it in the approvals list)."""
    assert request.id is not None
    if request.approver_employee_id is None:
        return None
    return WorkItem(
        source_key=rules.approval_request_key(request.id),
        employee_id=request.approver_employee_id,
        kind=Kind.APPROVAL_REQUEST,
        title=f"超权限申请 #{request.id} 待您审批：{request.reason}",
        record_path=f"/v1/clients/approvals/{request.id}",
        account_id=request.account_id,
        account_name=account_name,
        severity=Severity.URGENT,
    )


def approval_answer_item(request: ApprovalRequest, account_name: str | None) -> WorkItem:
    """The answer for the requester."""
    assert request.id is not None
    state = APPROVAL_STATES.get(request.state, request.state)
    return WorkItem(
        source_key=rules.approval_answer_key(request.id),
        employee_id=request.requested_by,
        kind=Kind.APPROVAL_ANSWER,
        title=f"您的超权限申请 #{request.id} {state}",
        record_path=f"/v1/clients/approvals/{request.id}",
        account_id=request.account_id,
        account_name=account_name,
        severity=Severity.INFO,
    )


def dispute_arbitration_item(
    dispute: OwnershipDispute, account_name: str | None
) -> WorkItem | None:
    """The pending ownership dispute for its arbiter (without one, the department managers
    and administrators find it in the disputes list)."""
    assert dispute.id is not None
    if dispute.arbiter_id is None:
        return None
    return WorkItem(
        source_key=rules.dispute_arbitration_key(dispute.id),
        employee_id=dispute.arbiter_id,
        kind=Kind.OWNERSHIP_DISPUTE,
        title=f"撞单争议 #{dispute.id} 待您裁决：{dispute.reason}",
        record_path=f"/v1/clients/ownership-disputes/{dispute.id}",
        account_id=dispute.account_id,
        account_name=account_name,
        severity=Severity.URGENT,
    )


DISPUTE_OUTCOMES = {
    # state: (to the claimant, to the owner)
    "claimant_won": ("裁定客户归您", "裁定客户归认领人"),
    "owner_kept": ("裁定客户仍归原负责人", "裁定客户仍归您"),
    "granted": ("保护期已过，客户已归您", "保护期已过，客户已转给认领人"),
}


def dispute_outcome_items(dispute: OwnershipDispute, account_name: str | None) -> list[WorkItem]:
    """The outcome for both parties, to read (info: the reader marks it done or dismisses
    it; nothing is left to do). The claimant who lost is not told which account it was
    (DESIGN "Revealing"): neither the account nor its name is on his item."""
    assert dispute.id is not None
    to_claimant, to_owner = DISPUTE_OUTCOMES[dispute.state]
    claimant_won = dispute.winner == Winner.CLAIMANT
    parties = (
        (dispute.claimant_id, f"您发起的撞单争议 #{dispute.id}：{to_claimant}", claimant_won),
        (dispute.owner_id, f"您负责客户的撞单争议 #{dispute.id}：{to_owner}", True),
    )
    return [
        WorkItem(
            source_key=rules.dispute_outcome_key(dispute.id, employee_id),
            employee_id=employee_id,
            kind=Kind.OWNERSHIP_DISPUTE_DECIDED,
            title=title,
            record_path=f"/v1/clients/ownership-disputes/{dispute.id}",
            account_id=dispute.account_id if reveal else None,
            account_name=account_name if reveal else None,
            severity=Severity.INFO,
        )
        for employee_id, title, reveal in parties
    ]


@dataclass(frozen=True)
class RoundSettings:
    """The time rules of the rounds (from the service's settings)."""

    timezone: str
    imminent_window: timedelta = timedelta(hours=1)
    birthday_days_ahead: int = 3
    renewal_notice_days: int = 30
    erp_pending_hours: float = 4.0
    finance_departments: Collection[int] = ()


@dataclass
class RoundResult:
    """Items posted and closed by one round, per kind (for the log and tests)."""

    posted: dict[str, int] = field(default_factory=dict)
    closed: dict[str, int] = field(default_factory=dict)

    def count(self, counts: dict[str, int], kind: Kind, n: int) -> None:
        if n:
            counts[kind.value] = counts.get(kind.value, 0) + n


class WorkItemRounds:
    """The time-based producers; each enqueues in the caller's transaction."""

    def __init__(
        self, queries: WorkItemQueries, outbox: WorkItemOutbox, settings: RoundSettings
    ) -> None:
        self.queries = queries
        self.outbox = outbox
        self.settings = settings

    async def _post(self, items: list[WorkItem], result: RoundResult, kind: Kind) -> None:
        result.count(result.posted, kind, await self.outbox.post_all(items))

    async def run(self, now: datetime, today: date) -> RoundResult:
        result = RoundResult()
        await self.imminent_breaches(now, result)
        await self.overdue_visits(today, result)
        await self.birthdays(today, result)
        await self.renewals(today, result)
        await self.erp_pending(now, result)
        return result

    async def imminent_breaches(self, now: datetime, result: RoundResult) -> None:
        window = self.settings.imminent_window
        tickets = await self.queries.unfinished_tickets_due_by(now + window, ROUND_LIMIT)
        items = [item for t in tickets for item in imminent_items(t, now, window)]
        await self._post(items, result, Kind.SLA_BREACH_IMMINENT)

    async def overdue_visits(self, today: date, result: RoundResult) -> None:
        """One digest item per person and day; yesterday's closes when today's is posted."""
        for overdue in await self.queries.overdue_visits(today, ROUND_LIMIT):
            key = rules.overdue_visits_key(overdue.employee_id, today)
            item = WorkItem(
                source_key=key,
                employee_id=overdue.employee_id,
                kind=Kind.VISIT_OVERDUE,
                title=f"您有 {overdue.count} 次拜访已逾期（最早计划于 {overdue.oldest}）",
                record_path=f"/v1/clients/visits?overdue=true&owner_ids={overdue.employee_id}",
                due_at=rules.morning_of(today, self.settings.timezone),
            )
            await self._post([item], result, Kind.VISIT_OVERDUE)
            closed = await self.outbox.close_all(
                rules.overdue_visits_prefix(overdue.employee_id), keep={key}
            )
            result.count(result.closed, Kind.VISIT_OVERDUE, len(closed))

    async def birthdays(self, today: date, result: RoundResult) -> None:
        """Key contacts' birthdays ``birthday_days_ahead`` ahead, for the account's owner;
        an item whose birthday has passed closes."""
        items = []
        for found in await self.queries.key_contact_birthdays(today):
            day = rules.birthday_ahead(found.birthday, today, self.settings.birthday_days_ahead)
            if day is None:
                continue
            items.append(
                WorkItem(
                    source_key=rules.birthday_key(found.contact_id, found.account_id, day),
                    employee_id=found.owner_id,
                    kind=Kind.CONTACT_BIRTHDAY,
                    title=f"{found.contact_name} 将于 {day.month}月{day.day}日 过生日，请安排问候",
                    record_path=f"/v1/clients/accounts/{found.account_id}/contact-schedule",
                    due_at=rules.morning_of(day, self.settings.timezone),
                    account_id=found.account_id,
                    account_name=found.account_name,
                    severity=Severity.INFO,
                )
            )
        await self._post(items, result, Kind.CONTACT_BIRTHDAY)
        passed = [
            key
            for key in await self.outbox.open_keys(rules.BIRTHDAY_PREFIX)
            if (day := rules.birthday_day_of(key)) is not None and day < today
        ]
        for key in passed:
            await self.outbox.close(key)
        result.count(result.closed, Kind.CONTACT_BIRTHDAY, len(passed))

    async def renewals(self, today: date, result: RoundResult) -> None:
        """Signed contracts ending within the notice, for their owner; an item closes once
        its contract is renewed, terminated or over."""
        last = today + timedelta(days=self.settings.renewal_notice_days)
        due = await self.queries.contracts_ending_between(today, last)
        items = []
        for contract in due:
            assert contract.id is not None
            items.append(
                WorkItem(
                    source_key=rules.renewal_key(contract.id, contract.end_date),
                    employee_id=contract.owner_id,
                    kind=Kind.CONTRACT_RENEWAL,
                    title=f"合同 {contract.number}「{contract.title}」将于 {contract.end_date} "
                    "到期，请跟进续签",
                    record_path=f"/v1/clients/contracts/{contract.id}",
                    due_at=rules.morning_of(contract.end_date, self.settings.timezone),
                    account_id=contract.account_id,
                )
            )
        await self._post(items, result, Kind.CONTRACT_RENEWAL)
        still_due = {item.source_key for item in items}
        stale = [k for k in await self.outbox.open_keys("contract:") if k not in still_due]
        for key in stale:
            await self.outbox.close(key)
        result.count(result.closed, Kind.CONTRACT_RENEWAL, len(stale))

    async def erp_pending(self, now: datetime, result: RoundResult) -> None:
        """ERP events waiting ``erp_pending_hours`` or more, for finance (the event closes
        its items when applied: ``reactions.ErpEventApplied``)."""
        cutoff = now - timedelta(hours=self.settings.erp_pending_hours)
        items = []
        for event in await self.queries.pending_erp_events(cutoff, ROUND_LIMIT):
            assert event.id is not None and event.received_at is not None
            data: Any = event.payload.get("data") if isinstance(event.payload, dict) else None
            account_ref = data.get("account_ref") if isinstance(data, dict) else None
            people = await self.queries.finance_people(
                self.settings.finance_departments,
                account_ref if isinstance(account_ref, str) else None,
            )
            hours = int((now - event.received_at).total_seconds() // 3600)
            items += [
                WorkItem(
                    source_key=rules.erp_pending_key(event.id, person),
                    employee_id=person,
                    kind=Kind.ERP_EVENT_PENDING,
                    title=f"ERP 事件 {event.event_type} 已等待 {hours} 小时：{event.error or ''}",
                    record_path="/v1/clients/erp/inbox/retry",
                    due_at=event.received_at + timedelta(hours=self.settings.erp_pending_hours),
                )
                for person in people
            ]
        await self._post(items, result, Kind.ERP_EVENT_PENDING)

    async def reconciliation_differences(
        self, today: date, differences: dict[str, int], result: RoundResult
    ) -> None:
        """Today's reconciliation found ``differences`` (counts per kind of document):
        one item per finance person and day; a clean reconciliation closes the earlier."""
        total = sum(differences.values())
        people = await self.queries.finance_people(self.settings.finance_departments)
        keep = {rules.reconciliation_key(today, person) for person in people} if total else set()
        if total:
            detail = "，".join(f"{name} {n} 处" for name, n in differences.items() if n)
            items = [
                WorkItem(
                    source_key=rules.reconciliation_key(today, person),
                    employee_id=person,
                    kind=Kind.RECONCILIATION_MISMATCH,
                    title=f"{today} ERP 对账不符：{detail}",
                    record_path="/v1/clients/erp/reconciliation",
                    due_at=rules.morning_of(today + timedelta(days=1), self.settings.timezone),
                    severity=Severity.URGENT,
                )
                for person in people
            ]
            await self._post(items, result, Kind.RECONCILIATION_MISMATCH)
        closed = await self.outbox.close_all(rules.RECONCILIATION_PREFIX, keep=keep)
        result.count(result.closed, Kind.RECONCILIATION_MISMATCH, len(closed))
