"""A person's day in one read: the other domains' lists, filtered to him, plus birthdays
and renewals. Everything goes through the caller's scope (services/clients/access.py):
the lists are the same scoped queries their own routes run."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date, timedelta

from services.clients.my_day.repository import MyDayRepository
from services.clients.my_day.rules import RENEWAL_WINDOW_DAYS, birthday_within, next_birthday
from services.clients.my_day.schemas import BirthdayRead, MyDay, MyDayCounts, RenewalRead
from services.clients.receivables.repository import InvoiceQuery
from services.clients.receivables.schemas import InvoiceSort
from services.clients.receivables.service import ReceivablesService
from services.clients.tickets.rules import DONE_STATUSES, TicketStatus
from services.clients.tickets.schemas import TicketQuery, TicketSort
from services.clients.tickets.service import TicketService
from services.clients.visits.rules import VisitStatus
from services.clients.visits.schemas import VisitQuery, VisitSort
from services.clients.visits.service import VisitService

UNFINISHED = [status.value for status in TicketStatus if status not in DONE_STATUSES]


class MyDayService:
    """Builds :class:`MyDay` for one employee."""

    def __init__(
        self,
        visits: VisitService,
        tickets: TicketService,
        receivables: ReceivablesService,
        repository: MyDayRepository,
        today: Callable[[], date],
    ) -> None:
        self.visits = visits
        self.tickets = tickets
        self.receivables = receivables
        self.repository = repository
        self.today = today

    async def day(self, employee_id: int, owner_ids: Collection[int] | None, limit: int) -> MyDay:
        today = self.today()
        mine = [employee_id]
        planned = [VisitStatus.PLANNED.value]
        visits_today = await self.visits.page(
            VisitQuery(owner_ids=mine, statuses=planned, planned_from=today, planned_to=today),
            owner_ids,
            sort=VisitSort.ID,
            cursor=None,
            limit=limit,
            with_total=True,
        )
        visits_overdue = await self.visits.page(
            VisitQuery(owner_ids=mine, overdue=True),
            owner_ids,
            sort=VisitSort.PLANNED_ON,
            cursor=None,
            limit=limit,
            with_total=True,
        )
        assigned = await self.tickets.page(
            TicketQuery(handler_id=employee_id, statuses=UNFINISHED),
            owner_ids,
            sort=TicketSort.SLA_DUE,
            cursor=None,
            limit=limit,
            with_total=True,
        )
        escalated = await self.tickets.page(
            TicketQuery(escalated_to=employee_id, statuses=UNFINISHED),
            owner_ids,
            sort=TicketSort.SLA_DUE,
            cursor=None,
            limit=limit,
            with_total=True,
        )
        invoices = await self.receivables.list_invoices(
            InvoiceQuery(owner_ids=mine, overdue_on=today),
            owner_ids,
            sort=InvoiceSort.DAYS_OVERDUE_DESC,
            cursor=None,
            limit=limit,
            with_total=True,
        )
        birthdays = await self._birthdays(employee_id, owner_ids, today)
        rows, renewal_count = await self.repository.renewals(
            employee_id, owner_ids, today, today + timedelta(days=RENEWAL_WINDOW_DAYS), limit
        )
        renewals = [
            RenewalRead(
                contract_id=row.id,
                number=row.number,
                title=row.title,
                account_id=row.account_id,
                account_name=row.legal_name,
                end_date=row.end_date,
                days_left=(row.end_date - today).days,
            )
            for row in rows
        ]
        return MyDay(
            day=today,
            visits_today=visits_today.items,
            visits_overdue=visits_overdue.items,
            tickets_assigned=assigned.items,
            tickets_escalated=escalated.items,
            invoices_overdue=invoices.items,
            birthdays=birthdays[:limit],
            renewals=renewals,
            counts=MyDayCounts(
                visits_today=visits_today.total or 0,
                visits_overdue=visits_overdue.total or 0,
                tickets_assigned=assigned.total or 0,
                tickets_escalated=escalated.total or 0,
                invoices_overdue=invoices.total or 0,
                birthdays=len(birthdays),
                renewals=renewal_count,
            ),
        )

    async def _birthdays(
        self, employee_id: int, owner_ids: Collection[int] | None, today: date
    ) -> list[BirthdayRead]:
        rows = await self.repository.birthdays(employee_id, owner_ids, today)
        found = [
            BirthdayRead(
                contact_id=contact_id,
                contact_name=name,
                account_id=account_id,
                account_name=account_name,
                celebrated_on=next_birthday(birthday, today),
                days_until=(next_birthday(birthday, today) - today).days,
            )
            for contact_id, name, birthday, account_id, account_name in rows
            if birthday_within(birthday, today)
        ]
        return sorted(found, key=lambda b: (b.days_until, b.contact_id, b.account_id))
