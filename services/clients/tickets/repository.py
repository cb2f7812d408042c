"""Every query on tickets, their pauses and events, and the SLA targets."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy
from sqlalchemy import ColumnElement, DateTime, and_, case, func, literal, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.access import Scope, scope_member, visible_accounts
from services.clients.accounts.names import with_names
from services.clients.db import Repository
from services.clients.keyset import FAR_FUTURE, ListOrder
from services.clients.org.repository import queues_of, reporting_subtree_ids
from services.clients.tickets.models import SlaTargetRow, Ticket, TicketEvent, TicketPause
from services.clients.tickets.rules import DONE_STATUSES, Severity

DONE = [status.value for status in DONE_STATUSES]

# The next SLA deadline of an unfinished ticket: its response while unanswered, then its
# resolution; finished tickets (and those without one) come last.
_SLA_DUE = case(
    (col(Ticket.status).in_(DONE), literal(FAR_FUTURE, DateTime(timezone=True))),
    (col(Ticket.first_response_at).is_(None), col(Ticket.respond_by)),
    else_=func.coalesce(col(Ticket.resolve_by), literal(FAR_FUTURE, DateTime(timezone=True))),
)
_SEVERITY_RANK = case(
    *((col(Ticket.severity) == severity.value, rank) for rank, severity in enumerate(Severity, 1)),
    else_=len(Severity) + 1,
)
TICKET_ORDERS = {
    order.name: order
    for order in (
        ListOrder("-id", col(Ticket.id), True, "int"),
        ListOrder("sla_due", _SLA_DUE, False, "instant"),
        ListOrder("created_at", col(Ticket.created_at), False, "instant"),
        ListOrder("-created_at", col(Ticket.created_at), True, "instant"),
        ListOrder("severity", _SEVERITY_RANK, False, "int"),
        ListOrder("-severity", _SEVERITY_RANK, True, "int"),
    )
}


def breached_at(now: datetime) -> ColumnElement[bool]:
    """Flagged, or a deadline already missed at ``now`` (between breach-check runs)."""
    return or_(
        col(Ticket.response_breached).is_(True),
        col(Ticket.resolution_breached).is_(True),
        and_(col(Ticket.first_response_at).is_(None), col(Ticket.respond_by) < now),
        and_(col(Ticket.resolved_at).is_(None), col(Ticket.resolve_by) < now),
    )


def _in_scope(owner_ids: Collection[int] | None) -> Any:
    """Tickets the caller may see (True when unrestricted): access follows the work.
    Those under accounts he sees; those credited to his line (a transfer may leave a
    ticket with its owner); the ones he handles; and, to read and pick up, those waiting
    in his service queue."""
    under_account = visible_accounts(col(Ticket.account_id), owner_ids)
    member = scope_member(owner_ids)
    if not isinstance(owner_ids, Scope) or member is None:
        return under_account
    branches = [
        under_account,
        col(Ticket.owner_id).in_(list(owner_ids)),
        col(Ticket.handler_id) == member,
    ]
    if not owner_ids.writing:  # a queued ticket is changed by whoever picks it up
        queued = and_(col(Ticket.handler_id).is_(None), col(Ticket.queue_id).in_(queues_of(member)))
        branches.append(queued)
    return or_(*branches)


class TicketRepository(Repository):
    """Queries for tickets, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self, ticket_id: int, *, owner_ids: Collection[int] | None, for_update: bool = False
    ) -> Ticket | None:
        query = select(Ticket).where(col(Ticket.id) == ticket_id, _in_scope(owner_ids))
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        result = await self.session.exec(query)
        return result.first()

    async def pauses(self, ticket_id: int) -> Sequence[TicketPause]:
        result = await self.session.exec(
            select(TicketPause)
            .where(col(TicketPause.ticket_id) == ticket_id)
            .order_by(col(TicketPause.started_at), col(TicketPause.id))
        )
        return result.all()

    def _conditions(
        self,
        filters: Any,
        *,
        owner_ids: Collection[int] | None,
        now: datetime,
        opened_from: datetime | None,
        opened_before: datetime | None,
    ) -> list[Any]:
        """``filters`` is a TicketQuery (dates already turned into instants)."""
        conditions: list[Any] = [_in_scope(owner_ids)]
        if filters.ids:
            conditions.append(col(Ticket.id).in_(filters.ids))
        if filters.owner_ids:
            conditions.append(col(Ticket.owner_id).in_(filters.owner_ids))
        if filters.team_of is not None:
            conditions.append(col(Ticket.owner_id).in_(reporting_subtree_ids(filters.team_of)))
        if filters.statuses:
            conditions.append(col(Ticket.status).in_(filters.statuses))
        if filters.severities:
            conditions.append(col(Ticket.severity).in_(filters.severities))
        if filters.kind is not None:
            conditions.append(col(Ticket.kind) == filters.kind)
        if filters.account_id is not None:
            conditions.append(col(Ticket.account_id) == filters.account_id)
        if filters.handler_id is not None:
            conditions.append(col(Ticket.handler_id) == filters.handler_id)
        if filters.escalated_to is not None:
            conditions.append(col(Ticket.escalated_to) == filters.escalated_to)
        if filters.breached is not None:
            breached = breached_at(now)
            conditions.append(breached if filters.breached else ~breached)
        if opened_from is not None:
            conditions.append(col(Ticket.opened_at) >= opened_from)
        if opened_before is not None:
            conditions.append(col(Ticket.opened_at) < opened_before)
        return conditions

    async def list(
        self,
        filters: Any,
        *,
        owner_ids: Collection[int] | None,
        now: datetime,
        opened_from: datetime | None,
        opened_before: datetime | None,
        order: ListOrder,
        after: ColumnElement[bool] | None,
        limit: int,
    ) -> Sequence[Any]:
        """One page in ``order``: rows of (ticket, sort value, account name, owner name)."""
        conditions = self._conditions(
            filters,
            owner_ids=owner_ids,
            now=now,
            opened_from=opened_from,
            opened_before=opened_before,
        )
        if after is not None:
            conditions.append(after)
        query = with_names(
            sqlalchemy.select(Ticket, order.expression.label("sort_value")),
            col(Ticket.account_id),
            col(Ticket.owner_id),
        )
        query = query.where(*conditions).order_by(*order.clauses(col(Ticket.id))).limit(limit)
        result = await self.session.execute(query)  # rows of several columns
        return result.all()

    async def count(
        self,
        filters: Any,
        *,
        owner_ids: Collection[int] | None,
        now: datetime,
        opened_from: datetime | None,
        opened_before: datetime | None,
    ) -> int:
        """How many tickets the list's filters match in the caller's scope."""
        conditions = self._conditions(
            filters,
            owner_ids=owner_ids,
            now=now,
            opened_from=opened_from,
            opened_before=opened_before,
        )
        query = sqlalchemy.select(func.count()).select_from(Ticket).where(*conditions)
        return int((await self.session.execute(query)).scalar_one())

    async def events(
        self, ticket_id: int, *, after_id: int | None, limit: int
    ) -> Sequence[TicketEvent]:
        query = (
            select(TicketEvent)
            .where(col(TicketEvent.ticket_id) == ticket_id)
            .order_by(col(TicketEvent.id))
            .limit(limit)
        )
        if after_id is not None:
            query = query.where(col(TicketEvent.id) > after_id)
        result = await self.session.exec(query)
        return result.all()

    async def breach_candidates(self, now: datetime, limit: int) -> Sequence[Ticket]:
        """Unfinished tickets with a deadline newly missed at ``now``, or flagged but not
        yet escalated; locked, skipping rows another transaction holds."""
        newly_missed = or_(
            and_(
                col(Ticket.response_breached).is_(False),
                col(Ticket.first_response_at).is_(None),
                col(Ticket.respond_by) < now,
            ),
            and_(col(Ticket.resolution_breached).is_(False), col(Ticket.resolve_by) < now),
        )
        not_escalated = and_(
            col(Ticket.escalated_at).is_(None),
            or_(col(Ticket.response_breached).is_(True), col(Ticket.resolution_breached).is_(True)),
        )
        result = await self.session.exec(
            select(Ticket)
            .where(col(Ticket.status).not_in(DONE), or_(newly_missed, not_escalated))
            .order_by(col(Ticket.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        return result.all()

    # --- SLA targets ------------------------------------------------------------------

    async def sla_targets(self) -> Sequence[SlaTargetRow]:
        result = await self.session.exec(
            select(SlaTargetRow).order_by(col(SlaTargetRow.severity), col(SlaTargetRow.grade))
        )
        return result.all()

    async def sla_target(self, severity: str, grade: str) -> SlaTargetRow | None:
        return await self.session.get(SlaTargetRow, (severity, grade))

    async def replace_sla_targets(self, rows: Sequence[dict[str, Any]]) -> None:
        """Make the table exactly ``rows`` (each a full row keyed by severity and grade)."""
        existing = {(row.severity, row.grade): row for row in await self.sla_targets()}
        for values in rows:
            row = existing.pop((values["severity"], values["grade"]), None)
            if row is None:
                self.session.add(SlaTargetRow(**values))
            else:
                for field, value in values.items():
                    setattr(row, field, value)
        for stale in existing.values():
            await self.session.delete(stale)
        await self.session.flush()
