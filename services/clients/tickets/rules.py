"""Pure rules for ticket service levels: business calendar, deadlines, pauses, breaches.

All instants are timezone-aware; results are in UTC. Business hours, weekends, public
holidays and make-up working days (调休) are read in the company's time zone
(``Asia/Shanghai`` unless configured otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import product

from services.clients.accounts.rules import Grade
from services.clients.calendar.rules import (
    COMPANY_ZONE,
    BusinessCalendar,
    RuleViolation,
    add_business_time,
    business_time_between,
    require_aware,
)

__all__ = [
    "COMPANY_ZONE",
    "BusinessCalendar",
    "RuleViolation",
    "add_business_time",
    "business_time_between",
]

Pause = tuple[datetime, datetime | None]
"""A pause of the SLA clock (waiting on the client): start, and end or None while open."""


def _merged_pauses(pauses: Sequence[Pause], clock_start: datetime) -> list[Pause]:
    """Pauses clipped to start no earlier than ``clock_start``, sorted, overlaps merged."""
    clipped: list[Pause] = []
    for raw_start, raw_end in pauses:
        start = require_aware(raw_start, "pause start")
        end = None if raw_end is None else require_aware(raw_end, "pause end")
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
    cursor = require_aware(opened_at, "opened_at")
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
    return require_aware(done_or_now, "instant") > require_aware(deadline, "deadline")


def resolution_clock_start(opened_at: datetime, reopened_at: datetime | None) -> datetime:
    """Where the resolution clock starts: the last reopen time, else the opening time.

    Reopening a resolved ticket restarts the resolution clock from zero (pauses before the
    reopen no longer matter). Raises ``RuleViolation`` for a reopen before the opening.
    """
    opened_at = require_aware(opened_at, "opened_at")
    if reopened_at is None:
        return opened_at
    reopened_at = require_aware(reopened_at, "reopened_at")
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
        closed = require_aware(closed_at, "closed_at")
        if require_aware(now, "now") > closed + reopen_window:
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
