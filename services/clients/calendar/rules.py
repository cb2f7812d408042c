"""The company's business calendar as pure rules: working days and hours in the company
zone, and working time between instants (SLA clocks and due dates are built on it)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

COMPANY_ZONE = "Asia/Shanghai"
_NO_WORK_HORIZON = 366  # consecutive days without working time before we give up


class RuleViolation(ValueError):
    """A service-level rule refused the input; the message says why."""


def require_aware(at: datetime, name: str) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise RuleViolation(f"{name} must be timezone-aware, got {at.isoformat()}")
    return at.astimezone(UTC)


@dataclass(frozen=True)
class BusinessCalendar:
    """When the department works, read in ``zone``.

    A date is a working day when it is a make-up working day (调休), or when it is a
    working weekday (0 = Monday) and not a holiday. On a working day the working time is
    ``[opens_at, closes_at)`` minus the optional lunch break. With ``around_the_clock``
    every instant is working time (24x7 support) and the other fields are ignored.
    """

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo(COMPANY_ZONE))
    opens_at: time = time(9)
    closes_at: time = time(18)
    lunch_break: tuple[time, time] | None = (time(12), time(13))
    working_weekdays: frozenset[int] = frozenset(range(5))
    holidays: frozenset[date] = frozenset()
    makeup_working_days: frozenset[date] = frozenset()
    around_the_clock: bool = False

    def __post_init__(self) -> None:
        times = [self.opens_at, self.closes_at, *(self.lunch_break or ())]
        if any(t.tzinfo is not None for t in times):
            raise RuleViolation("working hours are wall-clock times in the calendar's zone")
        if not self.opens_at < self.closes_at:
            raise RuleViolation(f"opening {self.opens_at} must be before closing {self.closes_at}")
        if self.lunch_break is not None:
            start, end = self.lunch_break
            if not self.opens_at < start < end < self.closes_at:
                raise RuleViolation(
                    f"lunch break {start}–{end} must lie inside {self.opens_at}–{self.closes_at}"
                )
        if not self.working_weekdays <= frozenset(range(7)):
            raise RuleViolation("working weekdays are 0 (Monday) to 6 (Sunday)")
        if both := self.holidays & self.makeup_working_days:
            raise RuleViolation(f"dates both holiday and make-up day: {sorted(both)}")

    @classmethod
    def twenty_four_seven(cls, zone: ZoneInfo | None = None) -> BusinessCalendar:
        """A calendar where every instant is working time."""
        return cls(zone=zone or ZoneInfo(COMPANY_ZONE), around_the_clock=True)

    def is_working_day(self, day: date) -> bool:
        """True when ``day`` has working time (make-up days win over weekends)."""
        if self.around_the_clock or day in self.makeup_working_days:
            return True
        return day.weekday() in self.working_weekdays and day not in self.holidays

    def working_periods(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working periods of ``day`` as UTC ``(start, end)`` pairs, in order."""
        if not self.is_working_day(day):
            return []
        if self.around_the_clock:
            midnight = datetime.combine(day, time(0), tzinfo=self.zone)
            next_midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone)
            return [(midnight.astimezone(UTC), next_midnight.astimezone(UTC))]
        edges = [self.opens_at]
        if self.lunch_break is not None:
            edges += list(self.lunch_break)
        edges.append(self.closes_at)
        periods = []
        for start, end in zip(edges[::2], edges[1::2], strict=True):
            s = datetime.combine(day, start, tzinfo=self.zone).astimezone(UTC)
            e = datetime.combine(day, end, tzinfo=self.zone).astimezone(UTC)
            if s < e:
                periods.append((s, e))
        return periods

    def periods_from(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working periods from ``start`` on, the first clipped to begin at ``start``.

        Infinite; raises ``RuleViolation`` after a year with no working time at all.
        """
        start = require_aware(start, "start")
        day = start.astimezone(self.zone).date()
        idle_days = 0
        while True:
            periods = [(max(s, start), e) for s, e in self.working_periods(day) if e > start]
            idle_days = 0 if periods else idle_days + 1
            if idle_days > _NO_WORK_HORIZON:
                raise RuleViolation(f"the calendar has no working time after {day}")
            yield from periods
            day += timedelta(days=1)


def add_business_time(start: datetime, duration: timedelta, calendar: BusinessCalendar) -> datetime:
    """The instant when ``duration`` of working time has elapsed after ``start`` (UTC).

    Time outside working periods does not count. A duration of zero returns ``start``;
    a duration that ends exactly at a closing time returns that closing time (not the
    next opening). Raises ``RuleViolation`` for a negative duration or a naive ``start``.
    """
    start = require_aware(start, "start")
    if duration < timedelta(0):
        raise RuleViolation(f"a duration cannot be negative, got {duration}")
    if calendar.around_the_clock or not duration:
        return start + duration
    remaining = duration
    for s, e in calendar.periods_from(start):
        if remaining <= e - s:
            return s + remaining
        remaining -= e - s
    raise AssertionError("unreachable: periods_from is infinite")  # pragma: no cover


def business_time_between(a: datetime, b: datetime, calendar: BusinessCalendar) -> timedelta:
    """The working time inside ``[a, b]``; raises ``RuleViolation`` when ``b`` is before ``a``."""
    a, b = require_aware(a, "a"), require_aware(b, "b")
    if b < a:
        raise RuleViolation(f"the end {b.isoformat()} is before the start {a.isoformat()}")
    if calendar.around_the_clock:
        return b - a
    total = timedelta(0)
    for s, e in calendar.periods_from(a):
        if s >= b:
            break
        total += min(e, b) - s
    return total


def business_hours(
    timezone: str,
    opens_at: time,
    closes_at: time,
    lunch_starts_at: time | None,
    lunch_ends_at: time | None,
) -> BusinessCalendar:
    """The SLA calendar of the business-hours settings, before public holidays; raises
    ``RuleViolation`` on hours out of order or a lunch break outside them."""
    lunch = None
    if lunch_starts_at is not None and lunch_ends_at is not None:
        lunch = (lunch_starts_at, lunch_ends_at)
    return BusinessCalendar(
        zone=ZoneInfo(timezone), opens_at=opens_at, closes_at=closes_at, lunch_break=lunch
    )
