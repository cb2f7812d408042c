"""Service tickets and complaints: opening with SLA deadlines, the status workflow with
pauses and reopening, edits, satisfaction, and the history. Never commits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement
from sqlmodel import col

from services.clients.access import Scope, require_assignable
from services.clients.accounts.repository import AccountRepository
from services.clients.accounts.rules import Grade
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail, changed_fields, snapshot
from services.clients.calendar.service import BusinessCalendarService
from services.clients.contacts.repository import ContactRepository
from services.clients.keyset import ListOrder
from services.clients.org.repository import OrgRepository
from services.clients.tickets.models import Ticket, TicketEvent, TicketPause
from services.clients.tickets.repository import TICKET_ORDERS, TicketRepository
from services.clients.tickets.rules import (
    DONE_STATUSES,
    RuleViolation,
    Severity,
    SlaTarget,
    TicketStatus,
    allowed_transitions,
    breach_flags,
    check_transition,
    default_sla_policy,
    is_reopen,
    ticket_deadlines,
)
from services.clients.tickets.schemas import (
    SatisfactionCreate,
    TicketCreate,
    TicketEventRead,
    TicketPickUp,
    TicketQuery,
    TicketRead,
    TicketSort,
    TicketTransition,
    TicketUpdate,
)
from shared.concurrency import check_if_match
from shared.errors import (
    Forbidden,
    InvalidTransition,
    NotFound,
    RecordClosed,
    UnmetPrerequisite,
    UnprocessableContent,
)
from shared.pagination import Page

CLOCK_SKEW = timedelta(minutes=1)  # an opened_at this far ahead of our clock counts as now

OnTicketFinished = Callable[[Ticket], Awaitable[None]]
"""Told of a ticket just resolved or closed, in the transition's transaction."""


def ticket_read(ticket: Ticket, now: datetime) -> TicketRead:
    """The API view of a ticket, with ``breached`` judged at ``now``."""
    live = breach_flags(
        respond_by=ticket.respond_by,
        first_response_at=ticket.first_response_at,
        resolve_by=ticket.resolve_by,
        resolved_at=ticket.resolved_at,
        now=now,
    )
    read = TicketRead.model_validate(ticket)
    read.breached = ticket.response_breached or ticket.resolution_breached or live.any
    return read


def sla_target_of(ticket: Ticket) -> SlaTarget:
    """The targets copied onto the ticket when it was opened (or its severity changed)."""
    return SlaTarget(
        timedelta(minutes=ticket.response_target_minutes),
        timedelta(minutes=ticket.resolution_target_minutes),
        around_the_clock=ticket.around_the_clock,
    )


def unprocessable(field: str, message: str, kind: str = "value_error") -> UnprocessableContent:
    return UnprocessableContent(
        message, extra={"errors": [{"loc": ["body", field], "msg": message, "type": kind}]}
    )


def update_breach_flags(ticket: Ticket, now: datetime, *, reset: bool = False) -> None:
    """Set the stored flags from the deadlines; they only rise, unless ``reset`` (a reopen
    or a severity change moved the deadlines)."""
    flags = breach_flags(
        respond_by=ticket.respond_by,
        first_response_at=ticket.first_response_at,
        resolve_by=ticket.resolve_by,
        resolved_at=ticket.resolved_at,
        now=now,
    )
    if reset:
        ticket.response_breached, ticket.resolution_breached = flags.response, flags.resolution
    else:
        ticket.response_breached = ticket.response_breached or flags.response
        ticket.resolution_breached = ticket.resolution_breached or flags.resolution


class TicketService:
    """Tickets of accounts, within the caller's data scope."""

    def __init__(
        self,
        accounts: AccountRepository,
        contacts: ContactRepository,
        org: OrgRepository,
        repository: TicketRepository,
        calendar: BusinessCalendarService,
        audit: AuditTrail,
        *,
        now: Callable[[], datetime],
        zone: ZoneInfo,
        reopen_window: timedelta,
        service_queues: Collection[int] = (),
        on_finished: OnTicketFinished | None = None,
    ) -> None:
        self.accounts = accounts
        self.contacts = contacts
        self.org = org
        self.repository = repository
        self.calendar = calendar
        self.audit = audit
        self.now = now
        self.zone = zone
        self.reopen_window = reopen_window
        self.service_queues = frozenset(service_queues)
        self.on_finished = on_finished

    # --- loading and checks -------------------------------------------------------------

    async def _ticket(
        self, ticket_id: int, owner_ids: Collection[int] | None, *, for_update: bool = False
    ) -> Ticket:
        ticket = await self.repository.get(ticket_id, owner_ids=owner_ids, for_update=for_update)
        if ticket is None:
            raise NotFound(f"ticket {ticket_id} does not exist")
        return ticket

    async def _check_people(
        self,
        account_id: int,
        handler_id: int | None,
        contact_id: int | None,
        owner_ids: Collection[int] | None,
        queue_id: int | None = None,
    ) -> None:
        if queue_id is not None and queue_id not in self.service_queues:
            raise unprocessable(
                "queue_id", f"department {queue_id} is not a service queue", "unknown_queue"
            )
        if handler_id is not None:
            service_people = await self.org.active_in_departments([handler_id], self.service_queues)
            require_assignable(owner_ids, handler_id, "handler_id", service_people)
        if contact_id is not None and await self.contacts.get_link(account_id, contact_id) is None:
            raise unprocessable(
                "contact_id", f"contact {contact_id} is not a contact of this account"
            )
        if handler_id is not None and not await self.org.active_among([handler_id]):
            raise unprocessable("handler_id", f"employee {handler_id} is not an active employee")

    async def _target(self, severity: Severity, grade: Grade) -> SlaTarget:
        row = await self.repository.sla_target(severity.value, grade.value)
        if row is None:  # the policy table is kept complete; this is a safety net
            return default_sla_policy().target_for(severity, grade)
        return SlaTarget(
            timedelta(minutes=row.response_minutes),
            timedelta(minutes=row.resolution_minutes),
            around_the_clock=row.around_the_clock,
        )

    async def _recompute(
        self, ticket: Ticket, pauses: Sequence[TicketPause], now: datetime, *, response: bool
    ) -> None:
        calendar = await self.calendar.sla_calendar(ticket.opened_at, until=now)
        deadlines = ticket_deadlines(
            ticket.opened_at,
            sla_target_of(ticket),
            calendar,
            [(p.started_at, p.ended_at) for p in pauses],
            ticket.reopened_at,
        )
        if response:
            ticket.respond_by = deadlines.respond_by
        ticket.resolve_by = deadlines.resolve_by

    async def _event(
        self,
        ticket: Ticket,
        *,
        kind: str,
        from_status: str | None,
        actor_employee_id: int | None,
        note: str | None,
        at: datetime,
    ) -> None:
        assert ticket.id is not None
        await self.repository.add(
            TicketEvent(
                ticket_id=ticket.id,
                at=at,
                kind=kind,
                from_status=from_status,
                to_status=ticket.status,
                actor_employee_id=actor_employee_id,
                note=note,
            )
        )

    def _audit_change(
        self, ticket: Ticket, action: str, before: dict[str, object], actor: int | None
    ) -> None:
        assert ticket.id is not None
        old, new = changed_fields(before, snapshot(ticket))
        self.audit.record(
            entity=AuditEntity.TICKET,
            entity_id=ticket.id,
            account_id=ticket.account_id,
            action=action,
            actor_employee_id=actor,
            before=old,
            after=new,
        )

    # --- operations ---------------------------------------------------------------------

    async def create(
        self,
        account_id: int,
        data: TicketCreate,
        owner_ids: Collection[int] | None,
        actor_employee_id: int | None,
    ) -> TicketRead:
        account = await self.accounts.visible(account_id, owner_ids)
        if account.status == "archived":
            raise RecordClosed(
                f"account {account_id} is archived; restore it before opening tickets"
            )
        now = self.now()
        opened_at = data.opened_at or now
        if opened_at > now + CLOCK_SKEW:
            raise unprocessable("opened_at", "opened_at cannot be in the future")
        opened_at = min(opened_at, now)
        await self._check_people(
            account_id, data.handler_id, data.contact_id, owner_ids, data.queue_id
        )
        grade = Grade(account.grade)
        target = await self._target(data.severity, grade)
        calendar = await self.calendar.sla_calendar(opened_at, until=now)
        deadlines = ticket_deadlines(opened_at, target, calendar)
        ticket = Ticket(
            account_id=account_id,
            kind=data.kind.value,
            category=data.category,
            severity=data.severity.value,
            channel=data.channel.value,
            title=data.title,
            description=data.description,
            status=TicketStatus.OPEN.value,
            owner_id=account.owner_id,
            handler_id=data.handler_id,
            queue_id=data.queue_id,
            contact_id=data.contact_id,
            grade_at_open=grade.value,
            response_target_minutes=int(target.response.total_seconds() // 60),
            resolution_target_minutes=int(target.resolution.total_seconds() // 60),
            around_the_clock=target.around_the_clock,
            opened_at=opened_at,
            respond_by=deadlines.respond_by,
            resolve_by=deadlines.resolve_by,
        )
        update_breach_flags(ticket, now)
        await self.repository.add(ticket)
        assert ticket.id is not None
        await self._event(
            ticket,
            kind="opened",
            from_status=None,
            actor_employee_id=actor_employee_id,
            note=None,
            at=opened_at,
        )
        self.audit.record(
            entity=AuditEntity.TICKET,
            entity_id=ticket.id,
            account_id=account_id,
            action="create",
            actor_employee_id=actor_employee_id,
            after=snapshot(ticket),
        )
        return ticket_read(ticket, now)

    async def get(self, ticket_id: int, owner_ids: Collection[int] | None) -> TicketRead:
        ticket = await self._ticket(ticket_id, owner_ids)
        read = ticket_read(ticket, self.now())
        account = await self.accounts.get(ticket.account_id)  # the ticket opens its name
        read.account_name = account.legal_name if account is not None else None
        return read

    async def search(
        self,
        filters: TicketQuery,
        owner_ids: Collection[int] | None,
        *,
        before_id: int | None,
        limit: int,
    ) -> list[TicketRead]:
        """Newest first, after ``before_id`` (the export walks the list this way)."""
        order = TICKET_ORDERS[TicketSort.ID_DESC]
        after = col(Ticket.id) < before_id if before_id is not None else None
        rows = await self._rows(filters, owner_ids, order, after, limit)
        return [read for read, _ in rows]

    async def page(
        self,
        filters: TicketQuery,
        owner_ids: Collection[int] | None,
        *,
        sort: TicketSort,
        cursor: str | None,
        limit: int,
        with_total: bool,
    ) -> Page[TicketRead]:
        """One page in ``sort`` order, with the account's and owner's names; ``total``
        counts the same filters in the same scope when asked."""
        order = TICKET_ORDERS[sort]
        rows = await self._rows(
            filters, owner_ids, order, order.after(col(Ticket.id), cursor), limit
        )
        next_cursor = None
        if rows and len(rows) == limit:
            last, value = rows[-1]
            next_cursor = order.cursor(value, last.id)
        total = await self._count(filters, owner_ids) if with_total else None
        return Page[TicketRead](
            items=[read for read, _ in rows], next_cursor=next_cursor, total=total
        )

    async def _rows(
        self,
        filters: TicketQuery,
        owner_ids: Collection[int] | None,
        order: ListOrder,
        after: ColumnElement[bool] | None,
        limit: int,
    ) -> list[tuple[TicketRead, Any]]:
        now = self.now()
        rows = await self.repository.list(
            filters,
            owner_ids=owner_ids,
            now=now,
            opened_from=self._day_start(filters.opened_from),
            opened_before=self._opened_before(filters),
            order=order,
            after=after,
            limit=limit,
        )
        reads = []
        for ticket, sort_value, account_name, owner_name in rows:
            read = ticket_read(ticket, now)
            read.account_name, read.owner_name = account_name, owner_name
            reads.append((read, sort_value))
        return reads

    async def _count(self, filters: TicketQuery, owner_ids: Collection[int] | None) -> int:
        return await self.repository.count(
            filters,
            owner_ids=owner_ids,
            now=self.now(),
            opened_from=self._day_start(filters.opened_from),
            opened_before=self._opened_before(filters),
        )

    def _opened_before(self, filters: TicketQuery) -> datetime | None:
        return self._day_start(filters.opened_to + timedelta(days=1) if filters.opened_to else None)

    async def for_account(
        self,
        account_id: int,
        filters: TicketQuery,
        owner_ids: Collection[int] | None,
        *,
        before_id: int | None,
        limit: int,
    ) -> list[TicketRead]:
        """The tickets of one account the caller can see (404 for an account they cannot)."""
        await self.accounts.visible(account_id, owner_ids)
        scoped = filters.model_copy(update={"account_id": account_id})
        return await self.search(scoped, owner_ids, before_id=before_id, limit=limit)

    def _day_start(self, day: date | None) -> datetime | None:
        """The first instant of ``day`` in the company's zone."""
        return None if day is None else datetime.combine(day, time(0), tzinfo=self.zone)

    async def update(
        self,
        ticket_id: int,
        data: TicketUpdate,
        if_match: str | None,
        owner_ids: Collection[int] | None,
        actor_employee_id: int | None,
    ) -> TicketRead:
        ticket = await self._ticket(ticket_id, owner_ids, for_update=True)
        check_if_match(if_match, ticket.version)
        changes = data.model_dump(exclude_unset=True)
        for field in ("title", "severity"):
            if field in changes and changes[field] is None:
                raise unprocessable(field, f"{field} cannot be empty")
        await self._check_people(
            ticket.account_id,
            changes.get("handler_id"),
            changes.get("contact_id"),
            owner_ids,
            changes.get("queue_id"),
        )
        now = self.now()
        before = snapshot(ticket)
        severity = changes.pop("severity", None)
        if "description" in changes and changes["description"] is None:
            changes["description"] = ""
        for field, value in changes.items():
            setattr(ticket, field, value)
        if severity is not None and severity != ticket.severity:
            target = await self._target(Severity(severity), Grade(ticket.grade_at_open))
            ticket.severity = Severity(severity).value
            ticket.response_target_minutes = int(target.response.total_seconds() // 60)
            ticket.resolution_target_minutes = int(target.resolution.total_seconds() // 60)
            ticket.around_the_clock = target.around_the_clock
            assert ticket.id is not None
            await self._recompute(
                ticket, await self.repository.pauses(ticket.id), now, response=True
            )
            update_breach_flags(ticket, now, reset=True)
        if snapshot(ticket) == before:
            return ticket_read(ticket, now)
        ticket.version += 1
        ticket.updated_at = now
        await self.repository.add(ticket)
        self._audit_change(ticket, "update", before, actor_employee_id)
        return ticket_read(ticket, now)

    async def pick_up(
        self,
        ticket_id: int,
        data: TicketPickUp,
        if_match: str | None,
        owner_ids: Collection[int] | None,
        actor_employee_id: int,
    ) -> TicketRead:
        """A member of the ticket's service queue takes it: he becomes its handler."""
        queue_sees = owner_ids.reading() if isinstance(owner_ids, Scope) else owner_ids
        ticket = await self._ticket(ticket_id, queue_sees, for_update=True)
        check_if_match(if_match, ticket.version)
        if ticket.queue_id is None or ticket.handler_id is not None:
            raise UnmetPrerequisite(
                f"ticket {ticket_id} is not waiting in a queue",
                extra={"reason": "not_queued", "handler_id": ticket.handler_id},
            )
        members = await self.org.active_in_departments([actor_employee_id], [ticket.queue_id])
        if actor_employee_id not in members:
            raise Forbidden(f"only members of queue {ticket.queue_id} pick up its tickets")
        now = self.now()
        before = snapshot(ticket)
        ticket.handler_id = actor_employee_id
        ticket.version += 1
        ticket.updated_at = now
        await self.repository.add(ticket)
        await self._event(
            ticket,
            kind="picked_up",
            from_status=ticket.status,
            actor_employee_id=actor_employee_id,
            note=data.note,
            at=now,
        )
        self._audit_change(ticket, "pick_up", before, actor_employee_id)
        return ticket_read(ticket, now)

    async def transition(
        self,
        ticket_id: int,
        data: TicketTransition,
        if_match: str | None,
        owner_ids: Collection[int] | None,
        actor_employee_id: int | None,
    ) -> TicketRead:
        ticket = await self._ticket(ticket_id, owner_ids, for_update=True)
        check_if_match(if_match, ticket.version)
        now = self.now()
        current, target = TicketStatus(ticket.status), data.to
        try:
            check_transition(
                current,
                target,
                closed_at=ticket.closed_at,
                now=now,
                reopen_window=self.reopen_window,
            )
        except RuleViolation as exc:
            raise InvalidTransition(
                str(exc),
                extra={
                    "current_status": current.value,
                    "allowed": [s.value for s in allowed_transitions(current)],
                },
            ) from None
        if target is TicketStatus.RESOLVED and not (data.resolution or "").strip():
            raise unprocessable("resolution", "a resolution is required to resolve", "missing")
        assert ticket.id is not None
        before = snapshot(ticket)
        pauses = list(await self.repository.pauses(ticket.id))
        clock_moved = False
        if current is TicketStatus.OPEN and ticket.first_response_at is None:
            ticket.first_response_at = now
        if current is TicketStatus.WAITING:
            for pause in pauses:
                if pause.ended_at is None:
                    pause.ended_at = max(now, pause.started_at)
                    await self.repository.add(pause)
            ticket.paused_at = None
            clock_moved = True
        if target is TicketStatus.WAITING:
            pause = TicketPause(ticket_id=ticket.id, started_at=now)
            await self.repository.add(pause)
            pauses.append(pause)
            ticket.paused_at = now
            clock_moved = True
        reopen = is_reopen(current, target)
        if reopen:
            ticket.reopened_at = now
            ticket.reopen_count += 1
            ticket.resolved_at = None
            ticket.closed_at = None
            clock_moved = True
        if target is TicketStatus.RESOLVED:
            ticket.resolved_at = now
            ticket.resolution = (data.resolution or "").strip()
        if target is TicketStatus.CLOSED:
            ticket.closed_at = now
        if clock_moved:
            await self._recompute(ticket, pauses, now, response=False)
        ticket.status = target.value
        update_breach_flags(ticket, now, reset=reopen)
        ticket.version += 1
        ticket.updated_at = now
        await self.repository.add(ticket)
        await self._event(
            ticket,
            kind="reopen" if reopen else "transition",
            from_status=current.value,
            actor_employee_id=actor_employee_id,
            note=data.note,
            at=now,
        )
        await self._transitioned(
            ticket, target, "reopen" if reopen else "transition", before, actor_employee_id
        )
        return ticket_read(ticket, now)

    async def _transitioned(
        self,
        ticket: Ticket,
        status: TicketStatus,
        action: str,
        before: dict[str, object],
        actor_employee_id: int | None,
    ) -> None:
        """Audit the transition; a ticket now done is told to ``on_finished``."""
        self._audit_change(ticket, action, before, actor_employee_id)
        if status in DONE_STATUSES and self.on_finished is not None:
            await self.on_finished(ticket)

    async def rate(
        self,
        ticket_id: int,
        data: SatisfactionCreate,
        owner_ids: Collection[int] | None,
        actor_employee_id: int | None,
    ) -> TicketRead:
        ticket = await self._ticket(ticket_id, owner_ids, for_update=True)
        if TicketStatus(ticket.status) not in DONE_STATUSES:
            raise InvalidTransition(
                f"ticket {ticket_id} is {ticket.status}; rate it once it is resolved or closed",
                extra={"current_status": ticket.status},
            )
        now = self.now()
        before = snapshot(ticket)
        ticket.satisfaction_score = data.score
        ticket.satisfaction_comment = data.comment
        ticket.version += 1
        ticket.updated_at = now
        await self.repository.add(ticket)
        await self._event(
            ticket,
            kind="satisfaction",
            from_status=ticket.status,
            actor_employee_id=actor_employee_id,
            note=f"satisfaction {data.score}/5",
            at=now,
        )
        self._audit_change(ticket, "satisfaction", before, actor_employee_id)
        return ticket_read(ticket, now)

    async def events(
        self,
        ticket_id: int,
        owner_ids: Collection[int] | None,
        *,
        after_id: int | None,
        limit: int,
    ) -> list[TicketEventRead]:
        await self._ticket(ticket_id, owner_ids)
        rows = await self.repository.events(ticket_id, after_id=after_id, limit=limit)
        return [TicketEventRead.model_validate(row) for row in rows]
