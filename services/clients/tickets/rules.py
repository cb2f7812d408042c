"""Pure rules for ticket service levels: business calendar, deadlines, pauses, breaches.

All instants are timezone-aware; results are in UTC. Business hours, weekends, public
holidays and make-up working days (调休) are read in the company's time zone
(``Asia/Shanghai`` unless configured otherwise).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import product
from zoneinfo import ZoneInfo

from services.clients.accounts.rules import Grade

COMPANY_ZONE = "Asia/Shanghai"
_NO_WORK_HORIZON = 366  # consecutive days without working time before we give up


class RuleViolation(ValueError):
    """A service-level rule refused the input; the message says why."""


Pause = tuple[datetime, datetime | None]
"""A pause of the SLA clock (waiting on the client): start, and end or None while open."""


def _require_aware(at: datetime, name: str) -> datetime:
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
        start = _require_aware(start, "start")
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
    start = _require_aware(start, "start")
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
    a, b = _require_aware(a, "a"), _require_aware(b, "b")
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


def _merged_pauses(pauses: Sequence[Pause], clock_start: datetime) -> list[Pause]:
    """Pauses clipped to start no earlier than ``clock_start``, sorted, overlaps merged."""
    clipped: list[Pause] = []
    for raw_start, raw_end in pauses:
        start = _require_aware(raw_start, "pause start")
        end = None if raw_end is None else _require_aware(raw_end, "pause end")
        if end is not None and end < start:
            raise RuleViolation(f"a pause ends ({end.isoformat()}) before it starts")
        if end is not None and end <= clock_start:
            continue
        clipped.append((max(start, clock_start), end))
    clipped.sort(key=lambda p: p[0])
    merged: list[Pause] = []
    for start, end in clipped:
        if merged:
            last_start, last_end = merged[-1]
            if last_end is None:
                break  # an open pause stops the clock for good
            if start <= last_end:
                merged[-1] = (last_start, None if end is None else max(last_end, end))
                continue
        merged.append((start, end))
    return merged


def sla_deadline(
    opened_at: datetime,
    target: timedelta,
    pauses: Sequence[Pause],
    calendar: BusinessCalendar,
) -> datetime | None:
    """The deadline: ``target`` of working time after ``opened_at``, not counting pauses.

    Working time spent paused (waiting on the client) pushes the deadline back by the same
    amount. Pauses before ``opened_at`` are ignored and overlapping pauses merged. When a
    still-open pause stops the clock before the target is reached, the deadline is not yet
    known and None is returned.
    """
    cursor = _require_aware(opened_at, "opened_at")
    remaining = target
    for pause_start, pause_end in _merged_pauses(pauses, cursor):
        available = business_time_between(cursor, pause_start, calendar)
        if remaining <= available:
            break
        remaining -= available
        if pause_end is None:
            return None
        cursor = pause_end
    return add_business_time(cursor, remaining, calendar)


def is_breached(deadline: datetime | None, now: datetime, resolved_at: datetime | None) -> bool:
    """True when the deadline passed before the work was done.

    Done at the deadline itself is on time. A resolved ticket is judged by its resolution
    time, an open one by ``now``. An unknown deadline (clock paused) is not breached.
    """
    if deadline is None:
        return False
    done_or_now = now if resolved_at is None else resolved_at
    return _require_aware(done_or_now, "instant") > _require_aware(deadline, "deadline")


def resolution_clock_start(opened_at: datetime, reopened_at: datetime | None) -> datetime:
    """Where the resolution clock starts: the last reopen time, else the opening time.

    Reopening a resolved ticket restarts the resolution clock from zero (pauses before the
    reopen no longer matter). Raises ``RuleViolation`` for a reopen before the opening.
    """
    opened_at = _require_aware(opened_at, "opened_at")
    if reopened_at is None:
        return opened_at
    reopened_at = _require_aware(reopened_at, "reopened_at")
    if reopened_at < opened_at:
        raise RuleViolation("a ticket cannot be reopened before it was opened")
    return reopened_at


def resolution_deadline(
    opened_at: datetime,
    target: timedelta,
    pauses: Sequence[Pause],
    calendar: BusinessCalendar,
    reopened_at: datetime | None = None,
) -> datetime | None:
    """The resolution deadline, with the clock restarted at the last reopen if any."""
    start = resolution_clock_start(opened_at, reopened_at)
    return sla_deadline(start, target, pauses, calendar)


# --------------------------------------------------------------------------------------
# SLA policy: severity × grade
# --------------------------------------------------------------------------------------


class Severity(StrEnum):
    """Ticket severity, most urgent first."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True)
class SlaTarget:
    """Response and resolution targets; ``around_the_clock`` counts every hour (24x7)."""

    response: timedelta
    resolution: timedelta
    around_the_clock: bool = False

    def __post_init__(self) -> None:
        if not timedelta(0) < self.response <= self.resolution:
            raise RuleViolation(
                f"targets need 0 < response ({self.response}) <= resolution ({self.resolution})"
            )


@dataclass(frozen=True)
class SlaPolicy:
    """SLA targets for every severity × grade combination (the table must be complete)."""

    targets: Mapping[tuple[Severity, Grade], SlaTarget]

    def __post_init__(self) -> None:
        missing = [
            f"{severity}/{grade}"
            for severity, grade in product(Severity, Grade)
            if (severity, grade) not in self.targets
        ]
        if missing:
            raise RuleViolation(f"SLA policy has no target for {', '.join(missing)}")

    def target_for(self, severity: Severity, grade: Grade) -> SlaTarget:
        """The targets that apply to a ticket of ``severity`` for a client of ``grade``."""
        return self.targets[(severity, grade)]


def _hours(n: float) -> timedelta:
    return timedelta(hours=n)


def default_sla_policy() -> SlaPolicy:
    """The default table: critical tickets run 24x7, the rest in business hours.

    Resolution in business hours: a working day is 8 hours. Better grades get faster
    service; S and A share the top tier.
    """
    # (response hours, resolution hours) per severity, for tiers S/A, B, C
    table: dict[Severity, tuple[tuple[float, float], ...]] = {
        Severity.CRITICAL: ((0.5, 4), (1, 8), (2, 12)),
        Severity.HIGH: ((2, 8), (4, 16), (8, 24)),
        Severity.MEDIUM: ((4, 24), (8, 40), (16, 56)),
        Severity.LOW: ((8, 40), (16, 80), (24, 120)),
    }
    tier_of = {Grade.S: 0, Grade.A: 0, Grade.B: 1, Grade.C: 2}
    targets = {
        (severity, grade): SlaTarget(
            _hours(table[severity][tier_of[grade]][0]),
            _hours(table[severity][tier_of[grade]][1]),
            around_the_clock=severity is Severity.CRITICAL,
        )
        for severity, grade in product(Severity, Grade)
    }
    return SlaPolicy(targets)


def calendar_for_target(target: SlaTarget, calendar: BusinessCalendar) -> BusinessCalendar:
    """The calendar a target's clock runs on: 24x7 targets ignore business hours."""
    return replace(calendar, around_the_clock=True) if target.around_the_clock else calendar


@dataclass(frozen=True)
class TicketDeadlines:
    """Computed response and resolution deadlines (None while the clock is paused)."""

    respond_by: datetime
    resolve_by: datetime | None


def ticket_deadlines(
    opened_at: datetime,
    target: SlaTarget,
    calendar: BusinessCalendar,
    pauses: Sequence[Pause] = (),
    reopened_at: datetime | None = None,
) -> TicketDeadlines:
    """Both deadlines of a ticket under ``target``.

    The response clock runs from the opening and is not paused (waiting on the client
    comes after a first response); the resolution clock honours pauses and reopening.
    """
    clock = calendar_for_target(target, calendar)
    respond_by = add_business_time(opened_at, target.response, clock)
    resolve_by = resolution_deadline(opened_at, target.resolution, pauses, clock, reopened_at)
    return TicketDeadlines(respond_by, resolve_by)


# --------------------------------------------------------------------------------------
# Status workflow and breach flags
# --------------------------------------------------------------------------------------


class TicketStatus(StrEnum):
    """Where a ticket is in its workflow."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    RESOLVED = "resolved"
    CLOSED = "closed"


DONE_STATUSES = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED})
REOPEN_WINDOW = timedelta(days=30)

_TRANSITIONS: Mapping[TicketStatus, tuple[TicketStatus, ...]] = {
    TicketStatus.OPEN: (TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED),
    TicketStatus.IN_PROGRESS: (TicketStatus.WAITING, TicketStatus.RESOLVED),
    TicketStatus.WAITING: (TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED),
    TicketStatus.RESOLVED: (TicketStatus.CLOSED, TicketStatus.IN_PROGRESS),
    TicketStatus.CLOSED: (TicketStatus.IN_PROGRESS,),
}


def allowed_transitions(status: TicketStatus) -> tuple[TicketStatus, ...]:
    """The statuses a ticket in ``status`` may move to."""
    return _TRANSITIONS[status]


def is_reopen(current: TicketStatus, target: TicketStatus) -> bool:
    """Moving a resolved or closed ticket back to work restarts its resolution clock."""
    return current in DONE_STATUSES and target not in DONE_STATUSES


def check_transition(
    current: TicketStatus,
    target: TicketStatus,
    *,
    closed_at: datetime | None,
    now: datetime,
    reopen_window: timedelta = REOPEN_WINDOW,
) -> None:
    """Refuse a move the workflow does not allow (``RuleViolation`` says why).

    A closed ticket may be reopened only within ``reopen_window`` of its closing.
    """
    if target not in _TRANSITIONS[current]:
        raise RuleViolation(f"a ticket cannot move from {current} to {target}")
    if current is TicketStatus.CLOSED and closed_at is not None:
        closed = _require_aware(closed_at, "closed_at")
        if _require_aware(now, "now") > closed + reopen_window:
            raise RuleViolation(
                f"a closed ticket can be reopened only within {reopen_window.days} days of closing"
            )


@dataclass(frozen=True)
class BreachFlags:
    """Whether each deadline was (or, for open work, is already) missed."""

    response: bool
    resolution: bool

    @property
    def any(self) -> bool:
        return self.response or self.resolution


def breach_flags(
    *,
    respond_by: datetime,
    first_response_at: datetime | None,
    resolve_by: datetime | None,
    resolved_at: datetime | None,
    now: datetime,
) -> BreachFlags:
    """Both breach flags at ``now``: a done step is judged by when it was done, an open
    one by ``now``; an unknown resolution deadline (clock paused) is not breached."""
    return BreachFlags(
        response=is_breached(respond_by, now, first_response_at),
        resolution=is_breached(resolve_by, now, resolved_at),
    )
