"""Pure rules for visit plans: frequency by grade, plan generation, re-planning, completion.

Dates are company-calendar dates. A yearly plan splits the year into equal calendar
periods (months, quarters, halves …) and plans one visit in each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum, StrEnum
from types import MappingProxyType
from typing import Protocol

from services.clients.accounts.rules import Grade


class RuleViolation(ValueError):
    """A visit-plan rule refused the input; the message says why."""


class VisitFrequency(Enum):
    """How often a client is visited; the value is the number of visits per year."""

    MONTHLY = 12
    BIMONTHLY = 6
    QUARTERLY = 4
    HALF_YEARLY = 2
    YEARLY = 1

    @property
    def months_per_period(self) -> int:
        """Length of one planning period in months."""
        return 12 // self.value


DEFAULT_VISIT_FREQUENCIES: Mapping[Grade, VisitFrequency] = MappingProxyType(
    {
        Grade.S: VisitFrequency.MONTHLY,
        Grade.A: VisitFrequency.MONTHLY,
        Grade.B: VisitFrequency.QUARTERLY,
        Grade.C: VisitFrequency.HALF_YEARLY,
    }
)
"""Default visit frequency per grade: S/A monthly, B quarterly, C half-yearly."""


def frequency_for_grade(
    grade: Grade, frequencies: Mapping[Grade, VisitFrequency] = DEFAULT_VISIT_FREQUENCIES
) -> VisitFrequency:
    """The visit frequency a grade calls for; raises ``RuleViolation`` if not configured."""
    try:
        return frequencies[grade]
    except KeyError:
        raise RuleViolation(f"no visit frequency configured for grade {grade}") from None


class WorkingDays(Protocol):
    """Anything that knows working days (e.g. the tickets' ``BusinessCalendar``)."""

    def is_working_day(self, day: date) -> bool: ...


def visit_periods(year: int, frequency: VisitFrequency) -> list[tuple[date, date]]:
    """The inclusive ``(first, last)`` dates of each planning period of ``year``."""
    step = frequency.months_per_period
    periods = []
    for first_month in range(1, 13, step):
        first = date(year, first_month, 1)
        after = (
            date(year + 1, 1, 1) if first_month + step > 12 else date(year, first_month + step, 1)
        )
        periods.append((first, after - timedelta(days=1)))
    return periods


def _midpoint(first: date, last: date) -> date:
    return first + timedelta(days=(last - first).days // 2)


def _on_working_day(day: date, first: date, last: date, calendar: WorkingDays) -> date | None:
    """The nearest working day to ``day`` within ``[first, last]``, later days first."""
    for offset in range((last - first).days + 1):
        for candidate in (day + timedelta(days=offset), day - timedelta(days=offset)):
            if first <= candidate <= last and calendar.is_working_day(candidate):
                return candidate
    return None


def _planned_date_in(
    first: date, last: date, from_date: date, calendar: WorkingDays | None
) -> date | None:
    """One visit date inside a period, not before ``from_date``; None if none is possible."""
    if last < from_date:
        return None
    first = max(first, from_date)
    day = _midpoint(first, last)
    return day if calendar is None else _on_working_day(day, first, last, calendar)


def plan_visits(
    year: int,
    grade: Grade,
    frequencies: Mapping[Grade, VisitFrequency] = DEFAULT_VISIT_FREQUENCIES,
    from_date: date | None = None,
    calendar: WorkingDays | None = None,
) -> list[date]:
    """The planned visit dates of ``year`` for a client of ``grade``, in order.

    One visit per period of the grade's frequency, in the middle of the period. Periods
    that end before ``from_date`` get no visit; the period containing it gets its visit
    in the middle of what is left. With a ``calendar`` a date moves to the nearest working
    day inside the same (remaining) period, preferring later days; a period without any
    working day is left without a visit.
    """
    start = from_date or date(year, 1, 1)
    planned = (
        _planned_date_in(first, last, start, calendar)
        for first, last in visit_periods(year, frequency_for_grade(grade, frequencies))
    )
    return [day for day in planned if day is not None]


class VisitStatus(StrEnum):
    """State of a planned visit."""

    PLANNED = "planned"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class PlannedVisit:
    """A visit in the plan; ``visit_id`` is None for one not stored yet. ``replaced``:
    cancelled by an earlier re-plan (not by a person, whose cancellation stands)."""

    planned_on: date
    status: VisitStatus = VisitStatus.PLANNED
    visit_id: str | None = None
    replaced: bool = False


def is_replaceable(visit: PlannedVisit, today: date) -> bool:
    """A visit a re-plan may replace: still planned and due today or later."""
    return visit.status is VisitStatus.PLANNED and visit.planned_on >= today


def replan_future(
    existing: Sequence[PlannedVisit],
    new_grade: Grade,
    today: date,
    frequencies: Mapping[Grade, VisitFrequency] = DEFAULT_VISIT_FREQUENCIES,
    calendar: WorkingDays | None = None,
) -> list[PlannedVisit]:
    """Re-plan after a grade change: the past stays, the future follows the new grade.

    Completed and cancelled visits, and planned visits before ``today`` (overdue ones),
    are kept untouched. Planned visits from ``today`` on are dropped and replaced by the
    new grade's plan from ``today`` to the end of this year (and of any later year that
    had planned visits). A period that already holds a kept completed, overdue or
    cancelled visit gets no new one: a visit a person cancelled with a reason (客户春节放假)
    stays cancelled and does not come back as planned; only visits an earlier re-plan
    replaced leave their period open. New dates are on working days when ``calendar``
    is given. Returns the whole plan sorted by date.
    """
    kept = [v for v in existing if not is_replaceable(v, today)]
    years = {today.year} | {v.planned_on.year for v in existing if is_replaceable(v, today)}
    covered = {v.planned_on for v in kept if not v.replaced and v.planned_on.year in years}
    frequency = frequency_for_grade(new_grade, frequencies)
    new: list[PlannedVisit] = []
    for year in sorted(years):
        for first, last in visit_periods(year, frequency):
            if any(first <= day <= last for day in covered):
                continue
            day = _planned_date_in(first, last, today, calendar)
            if day is not None:
                new.append(PlannedVisit(day))
    return sorted([*kept, *new], key=lambda v: v.planned_on)


def overdue_visits(visits: Sequence[PlannedVisit], today: date) -> list[PlannedVisit]:
    """Planned visits whose date is before ``today`` and that were not done or cancelled."""
    return [v for v in visits if v.status is VisitStatus.PLANNED and v.planned_on < today]


def plan_completion_rate(planned: int, done: int) -> Decimal | None:
    """Completed planned visits as a percentage of planned visits, to 0.01 (half up).

    ``done`` counts planned visits that were completed, so it cannot exceed ``planned``.
    None when nothing was planned (a rate of nothing is undefined, not 0 or 100).
    """
    if planned < 0 or done < 0:
        raise RuleViolation(f"counts cannot be negative (planned {planned}, done {done})")
    if done > planned:
        raise RuleViolation(f"done ({done}) cannot exceed planned ({planned})")
    if planned == 0:
        return None
    return (Decimal(done) * 100 / Decimal(planned)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def birthday_in_year(birthday: date, year: int) -> date:
    """The day a birthday falls on in ``year``; 29 February is kept on 28 February in
    years that have no 29th."""
    try:
        return birthday.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def visit_frequencies(config: Mapping[str, str]) -> dict[Grade, VisitFrequency]:
    """The visit frequency per grade of the setting ``visit_frequencies``; raises
    ``ValueError`` on an unknown grade or frequency."""
    try:
        return {
            Grade(grade.upper()): VisitFrequency[frequency.upper()]
            for grade, frequency in config.items()
        }
    except (KeyError, ValueError) as exc:
        raise ValueError(
            f"visit_frequencies has an unknown grade or frequency: {exc}; grades are "
            "S, A, B, C and frequencies monthly, bimonthly, quarterly, half_yearly, yearly"
        ) from None
