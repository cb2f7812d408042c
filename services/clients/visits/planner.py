"""Yearly visit plans (《大客户回访计划》): generating a year's plan from the account's grade,
and re-planning the future when the grade in force changes. Never commits.

Grading calls :meth:`VisitPlanner.grade_changed` (injected, so grading imports nothing of
visits but this module). Transfers and handovers move planned visits in ownership.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import date

from services.clients.accounts.models import Account
from services.clients.accounts.rules import Grade
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail, snapshot
from services.clients.visits.models import Visit
from services.clients.visits.repository import VisitRepository
from services.clients.visits.rules import (
    PlannedVisit,
    VisitFrequency,
    VisitStatus,
    WorkingDays,
    plan_visits,
    replan_future,
)
from shared.errors import Duplicate, UnmetPrerequisite, UnprocessableContent

REPLANNED = "replanned"
"""The cancel reason of plan visits a grade change replaced."""

WorkingDaysOf = Callable[[date, date], Awaitable[WorkingDays]]
"""The business calendar (holidays, make-up working days) from one date to another."""


class VisitPlanner:
    """Writes yearly plans; the frequencies per grade come from the settings."""

    def __init__(
        self,
        repository: VisitRepository,
        audit: AuditTrail,
        *,
        frequencies: Mapping[Grade, VisitFrequency],
        today: Callable[[], date],
        working_days: WorkingDaysOf | None = None,
    ) -> None:
        self.repository = repository
        self.audit = audit
        self.frequencies = frequencies
        self.today = today
        self.working_days = working_days

    async def _calendar(self, first_year: int, last_year: int) -> WorkingDays | None:
        """Visits are planned on working days: the business calendar of those years."""
        if self.working_days is None:
            return None
        return await self.working_days(date(first_year, 1, 1), date(last_year, 12, 31))

    def frequency_of(self, grade: str) -> VisitFrequency | None:
        return self.frequencies.get(Grade(grade))

    async def _add_plan_visit(
        self, account: Account, planned_on: date, action: str, actor_employee_id: int | None
    ) -> Visit:
        assert account.id is not None
        visit = await self.repository.add(
            Visit(
                account_id=account.id,
                owner_id=account.owner_id,
                planned_on=planned_on,
                status=VisitStatus.PLANNED.value,
                source="plan",
            )
        )
        assert visit.id is not None
        self.audit.record(
            entity=AuditEntity.VISIT,
            entity_id=visit.id,
            account_id=account.id,
            action=action,
            actor_employee_id=actor_employee_id,
            after=snapshot(visit),
        )
        return visit

    async def generate(
        self, account: Account, year: int, actor_employee_id: int | None
    ) -> list[Visit]:
        """The year's plan from the account's grade, from today on when ``year`` is this
        year. 409 when the account already has a plan for that year, 422 for a past year."""
        assert account.id is not None
        today = self.today()
        if year < today.year:
            raise UnprocessableContent(
                f"{year} is over; plans are made for this year or later",
                extra={"errors": [{"loc": ["body", "year"], "msg": "in the past", "type": "year"}]},
            )
        if await self.repository.plan_exists(account.id, year):
            raise Duplicate(
                f"account {account.id} already has a visit plan for {year}; edit its visits "
                "instead",
                extra={"reason": "plan_exists"},
            )
        if self.frequency_of(account.grade) is None:
            raise UnmetPrerequisite(f"no visit frequency is configured for grade {account.grade}")
        dates = plan_visits(
            year,
            Grade(account.grade),
            self.frequencies,
            from_date=today if year == today.year else None,
            calendar=await self._calendar(year, year),
        )
        return [
            await self._add_plan_visit(account, day, "plan", actor_employee_id) for day in dates
        ]

    async def grade_changed(
        self, account: Account, previous_grade: str, *, actor_employee_id: int | None
    ) -> None:
        """Re-plan the future after the grade in force changed (``rules.replan_future``).

        Only an account that has a plan (plan visits this year or later) is re-planned.
        Plan visits still planned from today on are cancelled with reason ``replanned``
        (so nothing silently disappears and they never count as planned) and the new
        grade's visits are added on working days; completed, cancelled and overdue visits stay
        as they are, and a period holding one (a visit cancelled by a person included) gets
        no new visit.
        """
        assert account.id is not None
        today = self.today()
        if self.frequency_of(account.grade) is None:
            return
        existing = await self.repository.plan_of(account.id, from_year=today.year)
        if not existing:
            return
        last_year = max([today.year] + [v.planned_on.year for v in existing if v.planned_on])
        plan = replan_future(
            [
                PlannedVisit(
                    v.planned_on,
                    VisitStatus(v.status),
                    str(v.id),
                    replaced=v.cancel_reason == REPLANNED,
                )
                for v in existing
                if v.planned_on is not None
            ],
            Grade(account.grade),
            today,
            self.frequencies,
            calendar=await self._calendar(today.year, last_year),
        )
        kept = {p.visit_id for p in plan if p.visit_id is not None}
        for visit in existing:
            if str(visit.id) in kept:
                continue
            assert visit.id is not None
            visit.status = VisitStatus.CANCELLED.value
            visit.cancel_reason = REPLANNED
            visit.version += 1
            await self.repository.add(visit)
            self.audit.record(
                entity=AuditEntity.VISIT,
                entity_id=visit.id,
                account_id=account.id,
                action="replan_cancel",
                actor_employee_id=actor_employee_id,
                before={"status": VisitStatus.PLANNED.value},
                after={
                    "status": visit.status,
                    "cancel_reason": REPLANNED,
                    "grade": {"from": previous_grade, "to": account.grade},
                },
            )
        for item in plan:
            if item.visit_id is None:
                await self._add_plan_visit(account, item.planned_on, "replan", actor_employee_id)
