"""What the work-item jobs and reactions read: the records that ask someone to act now.

Read-only; every query is bounded (``limit``) so one round never holds a huge result.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.accounts.models import Account
from services.clients.contacts.models import AccountContact, Contact
from services.clients.contacts.schemas import ContactRole
from services.clients.contracts.models import Contract
from services.clients.org.models import OrgEmployee
from services.clients.receivables.models import ErpInboxEvent
from services.clients.teams.models import AccountTeamMember
from services.clients.teams.rules import TeamRole
from services.clients.tickets.models import Ticket
from services.clients.tickets.rules import DONE_STATUSES
from services.clients.visits.models import ContactTouch, Visit

PLANNED = "planned"
SIGNED = "signed"
ACTIVE = "active"


@dataclass(frozen=True)
class OverdueVisits:
    employee_id: int
    count: int
    oldest: date


@dataclass(frozen=True)
class KeyContactBirthday:
    contact_id: int
    contact_name: str
    birthday: date
    account_id: int
    account_name: str
    owner_id: int


class WorkItemQueries:
    """Reads for the work-item producers, on the caller's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def account_name(self, account_id: int) -> str | None:
        account = await self.session.get(Account, account_id)
        return account.legal_name if account is not None else None

    async def unfinished_tickets_due_by(self, deadline: datetime, limit: int) -> Sequence[Ticket]:
        """Unfinished, unbreached tickets with a response or resolution deadline by
        ``deadline`` (the rule decides which deadline is imminent)."""
        response_due = and_(
            col(Ticket.first_response_at).is_(None),
            col(Ticket.response_breached).is_(False),
            col(Ticket.respond_by) <= deadline,
        )
        resolution_due = and_(
            col(Ticket.resolution_breached).is_(False), col(Ticket.resolve_by) <= deadline
        )
        result = await self.session.exec(
            select(Ticket)
            .where(
                col(Ticket.status).not_in([s.value for s in DONE_STATUSES]),
                or_(response_due, resolution_due),
            )
            .order_by(col(Ticket.id))
            .limit(limit)
        )
        return result.all()

    async def overdue_visits(self, today: date, limit: int) -> list[OverdueVisits]:
        """Per owner: how many planned visits are past their day, and the oldest day."""
        result = await self.session.exec(
            select(col(Visit.owner_id), func.count(), func.min(col(Visit.planned_on)))
            .where(col(Visit.status) == PLANNED, col(Visit.planned_on) < today)
            .group_by(col(Visit.owner_id))
            .order_by(col(Visit.owner_id))
            .limit(limit)
        )
        return [OverdueVisits(int(o), int(n), day) for o, n, day in result.all() if day is not None]

    async def overdue_visit_count(self, employee_id: int, today: date) -> int:
        result = await self.session.exec(
            select(func.count()).where(
                col(Visit.owner_id) == employee_id,
                col(Visit.status) == PLANNED,
                col(Visit.planned_on) < today,
            )
        )
        return int(result.one())

    async def key_contact_birthdays(self, today: date) -> list[KeyContactBirthday]:
        """Active contacts with a birthday who are key at an account: its decision makers,
        and anyone the contact schedule (大客户联络计划表) plans a touch with from today."""
        scheduled = exists().where(
            col(ContactTouch.contact_id) == col(Contact.id),
            col(ContactTouch.account_id) == col(AccountContact.account_id),
            col(ContactTouch.status) == PLANNED,
            col(ContactTouch.due_on) >= today,
        )
        query: Any = (
            sa_select(
                col(Contact.id),
                col(Contact.name),
                col(Contact.birthday),
                col(Account.id),
                col(Account.legal_name),
                col(Account.owner_id),
            )
            .join(AccountContact, col(AccountContact.contact_id) == col(Contact.id))
            .join(Account, col(Account.id) == col(AccountContact.account_id))
            .where(
                col(Contact.birthday).is_not(None),
                col(AccountContact.active).is_(True),
                or_(col(AccountContact.end_date).is_(None), col(AccountContact.end_date) >= today),
                col(Account.archived_at).is_(None),
                or_(
                    col(AccountContact.roles).contains([ContactRole.DECISION_MAKER.value]),
                    scheduled,
                ),
            )
            .order_by(col(Contact.id), col(Account.id))
        )
        result = await (await self.session.connection()).execute(query)
        return [
            KeyContactBirthday(int(cid), name, birthday, int(aid), account, int(owner))
            for cid, name, birthday, aid, account, owner in result.all()
        ]

    async def contracts_ending_between(self, first: date, last: date) -> Sequence[Contract]:
        """Signed contracts ending in ``first``…``last`` that no contract renews yet."""
        renewal = Contract.__table__.alias("renewal")  # type: ignore[attr-defined]
        renewed = exists().where(renewal.c.renewal_of_id == col(Contract.id))
        result = await self.session.exec(
            select(Contract)
            .where(
                col(Contract.status) == SIGNED,
                col(Contract.end_date) >= first,
                col(Contract.end_date) <= last,
                ~renewed,
            )
            .order_by(col(Contract.id))
        )
        return result.all()

    async def contracts(self, contract_ids: Collection[int]) -> Sequence[Contract]:
        if not contract_ids:
            return []
        result = await self.session.exec(
            select(Contract).where(col(Contract.id).in_(list(contract_ids)))
        )
        return result.all()

    async def pending_erp_events(
        self, received_before: datetime, limit: int
    ) -> Sequence[ErpInboxEvent]:
        result = await self.session.exec(
            select(ErpInboxEvent)
            .where(
                col(ErpInboxEvent.applied_at).is_(None),
                col(ErpInboxEvent.received_at) <= received_before,
            )
            .order_by(col(ErpInboxEvent.id))
            .limit(limit)
        )
        return result.all()

    async def applied_erp_events(self, event_ids: Collection[int]) -> set[int]:
        if not event_ids:
            return set()
        result = await self.session.exec(
            select(col(ErpInboxEvent.id)).where(
                col(ErpInboxEvent.id).in_(list(event_ids)),
                col(ErpInboxEvent.applied_at).is_not(None),
            )
        )
        return {int(event_id) for event_id in result.all() if event_id is not None}

    async def finance_people(
        self, department_ids: Collection[int], account_ref: str | None = None
    ) -> list[int]:
        """Who handles money questions: the finance liaisons (财务对接) of the account whose
        credit code is ``account_ref``, else the active people of the finance departments."""
        if account_ref:
            result = await self.session.exec(
                select(col(AccountTeamMember.employee_id))
                .join(Account, col(Account.id) == col(AccountTeamMember.account_id))
                .where(
                    col(Account.credit_code) == account_ref,
                    col(AccountTeamMember.role) == TeamRole.FINANCE_LIAISON.value,
                )
                .order_by(col(AccountTeamMember.employee_id))
            )
            liaisons = [int(e) for e in result.all()]
            if liaisons:
                return liaisons
        if not department_ids:
            return []
        result = await self.session.exec(
            select(col(OrgEmployee.employee_id))
            .where(
                col(OrgEmployee.department_id).in_(list(department_ids)),
                col(OrgEmployee.status) == ACTIVE,
            )
            .order_by(col(OrgEmployee.employee_id))
        )
        return [int(e) for e in result.all()]
