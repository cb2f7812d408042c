"""The business calendar: which days are holidays or make-up working days, and the SLA
calendar built from them and the business hours in settings. Never commits."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail, snapshot
from services.clients.calendar.models import CalendarDay
from services.clients.calendar.repository import CalendarRepository
from services.clients.calendar.rules import BusinessCalendar
from services.clients.calendar.schemas import (
    CalendarDayRead,
    CalendarDayWrite,
    DayKind,
    DaySource,
)
from services.clients.calendar.statutory import statutory_days
from shared.errors import NotFound

# How far past a clock's start the holidays are loaded: longer than any SLA target plus
# the pauses a ticket realistically has.
CALENDAR_HORIZON = timedelta(days=400)


def day_audit_id(day: date) -> int:
    """The audit trail's id for a day: its date as YYYYMMDD."""
    return day.year * 10_000 + day.month * 100 + day.day


class BusinessCalendarService:
    """Holidays and make-up working days, and the SLA calendar they make."""

    def __init__(
        self, repository: CalendarRepository, audit: AuditTrail, business_hours: BusinessCalendar
    ) -> None:
        self.repository = repository
        self.audit = audit
        self.business_hours = business_hours

    async def days(self, first: date, last: date) -> list[CalendarDayRead]:
        """The special days from ``first`` to ``last``: the statutory ones, with an admin's
        day winning over the statutory one of the same date."""
        merged = {
            d.day: CalendarDayRead(day=d.day, kind=d.kind, name=d.name, source=DaySource.STATUTORY)
            for d in statutory_days(first, last)
        }
        for record in await self.repository.between(first, last):
            merged[record.day] = CalendarDayRead.model_validate(record)
        return [merged[day] for day in sorted(merged)]

    async def year(self, year: int) -> list[CalendarDayRead]:
        return await self.days(date(year, 1, 1), date(year, 12, 31))

    async def working_days(self, first: date, last: date) -> BusinessCalendar:
        """The business calendar knowing the special days from ``first`` to ``last``."""
        days = await self.days(first, last)
        return replace(
            self.business_hours,
            holidays=frozenset(d.day for d in days if d.kind == DayKind.HOLIDAY),
            makeup_working_days=frozenset(d.day for d in days if d.kind == DayKind.MAKEUP_WORKDAY),
        )

    async def put(
        self, day: date, data: CalendarDayWrite, actor_employee_id: int | None
    ) -> tuple[CalendarDayRead, bool]:
        """Set what ``day`` is (over a statutory day too); True when an admin had not set
        it before."""
        record = await self.repository.get(day)
        created = record is None
        before = None if record is None else snapshot(record)
        if record is None:
            record = CalendarDay(day=day, kind=data.kind.value, name=data.name)
        else:
            record.kind, record.name = data.kind.value, data.name
        await self.repository.add(record)
        self.audit.record(
            entity=AuditEntity.HOLIDAY,
            entity_id=day_audit_id(day),
            account_id=None,
            action="create" if created else "update",
            actor_employee_id=actor_employee_id,
            before=before,
            after=snapshot(record),
        )
        return CalendarDayRead.model_validate(record), created

    async def delete(self, day: date, actor_employee_id: int | None) -> None:
        record = await self.repository.get(day)
        if record is None:
            raise NotFound(f"{day} was not set by an admin (statutory days are not deleted)")
        before = snapshot(record)
        await self.repository.delete(record)
        self.audit.record(
            entity=AuditEntity.HOLIDAY,
            entity_id=day_audit_id(day),
            account_id=None,
            action="delete",
            actor_employee_id=actor_employee_id,
            before=before,
        )

    async def sla_calendar(
        self, start: datetime, until: datetime | None = None
    ) -> BusinessCalendar:
        """The working calendar for clocks starting at ``start`` (holidays loaded from the
        day before it, in the company zone, to ``CALENDAR_HORIZON`` after ``until``)."""
        zone = self.business_hours.zone
        first = start.astimezone(zone).date() - timedelta(days=1)
        last = (until or start).astimezone(zone).date() + CALENDAR_HORIZON
        return await self.working_days(first, last)
