"""Hand-computed SLA cases the rule tests did not cover (pauses across holidays and
make-up days, reopening with pauses), the status workflow and breach flags."""

from datetime import UTC, date, datetime, timedelta
from itertools import product
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.clients.tickets.rules import (
    REOPEN_WINDOW,
    BusinessCalendar,
    Pause,
    RuleViolation,
    SlaTarget,
    TicketStatus,
    allowed_transitions,
    breach_flags,
    check_transition,
    is_reopen,
    resolution_deadline,
    sla_deadline,
    ticket_deadlines,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NATIONAL_DAY = frozenset(date(2025, 10, d) for d in range(1, 9))
CAL = BusinessCalendar(
    holidays=NATIONAL_DAY, makeup_working_days=frozenset({date(2025, 9, 28), date(2025, 10, 11)})
)
S = TicketStatus


def sh(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=SHANGHAI)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


# --- deadlines -----------------------------------------------------------------------


def test_pause_spanning_a_holiday_week() -> None:
    # Opened Tue 30 Sep 09:00, 8 h: 09–12 and 13–16 = 6 h before the pause at 16:00. The
    # pause ends Thu 9 Oct 10:00 (1–8 Oct are holidays); the last 2 h run 10:00–12:00.
    pauses: list[Pause] = [(sh(9, 30, 16), sh(10, 9, 10))]
    assert sla_deadline(sh(9, 30, 9), hours(8), pauses, CAL) == sh(10, 9, 12)
    # without the pause the clock would have stopped at 18:00 on Tue 30 Sep
    assert sla_deadline(sh(9, 30, 9), hours(8), [], CAL) == sh(9, 30, 18)


def test_pause_over_a_make_up_day_loses_it() -> None:
    # Opened Fri 10 Oct 09:00 with 9 h: without a pause Friday gives 8 h and the last hour
    # falls on the make-up Saturday 11 Oct, 09:00–10:00. Paused Fri 17:00 to Mon 13 Oct
    # 09:30 (7 h used), the last 2 h run Mon 09:30–11:30.
    assert sla_deadline(sh(10, 10, 9), hours(9), [], CAL) == sh(10, 11, 10)
    pauses: list[Pause] = [(sh(10, 10, 17), sh(10, 13, 9, 30))]
    assert sla_deadline(sh(10, 10, 9), hours(9), pauses, CAL) == sh(10, 13, 11, 30)


def test_reopen_with_pauses_before_and_after_it() -> None:
    # Reopened Wed 17 Sep 15:00; the pause on Wed morning predates it and is ignored.
    # 15–18 = 3 h, Thu 09–10 = 1 h, paused 10:00–14:00, the last 4 h run 14:00–18:00.
    pauses: list[Pause] = [(sh(9, 17, 10), sh(9, 17, 11)), (sh(9, 18, 10), sh(9, 18, 14))]
    deadline = resolution_deadline(sh(9, 15, 9), hours(8), pauses, CAL, reopened_at=sh(9, 17, 15))
    assert deadline == sh(9, 18, 18)


def test_reopen_keeps_the_response_deadline() -> None:
    target = SlaTarget(hours(4), hours(16))
    first = ticket_deadlines(sh(9, 15, 9), target, CAL)
    reopened = ticket_deadlines(sh(9, 15, 9), target, CAL, reopened_at=sh(9, 22, 9))
    assert reopened.respond_by == first.respond_by == sh(9, 15, 14)
    assert reopened.resolve_by == sh(9, 23, 18)  # two working days from Mon 22 Sep 09:00


_instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)


@given(
    opened=_instants,
    after=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)),
    early=st.lists(
        st.tuples(
            st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)),
            st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=5)),
        ),
        max_size=3,
    ),
    target=st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(hours=120)),
)
def test_pauses_before_a_reopen_never_matter(
    opened: datetime,
    after: timedelta,
    early: list[tuple[timedelta, timedelta]],
    target: timedelta,
) -> None:
    reopened = opened + after
    pauses: list[Pause] = []
    for offset, length in early:
        start = min(opened + offset, reopened)
        pauses.append((start, min(start + length, reopened)))
    with_pauses = resolution_deadline(opened, target, pauses, CAL, reopened_at=reopened)
    without = resolution_deadline(opened, target, [], CAL, reopened_at=reopened)
    assert with_pauses == without
    assert without is not None
    assert without >= reopened


# --- workflow ------------------------------------------------------------------------

ALLOWED = {
    (S.OPEN, S.IN_PROGRESS), (S.OPEN, S.RESOLVED),
    (S.IN_PROGRESS, S.WAITING), (S.IN_PROGRESS, S.RESOLVED),
    (S.WAITING, S.IN_PROGRESS), (S.WAITING, S.RESOLVED),
    (S.RESOLVED, S.CLOSED), (S.RESOLVED, S.IN_PROGRESS),
    (S.CLOSED, S.IN_PROGRESS),
}  # fmt: skip


@pytest.mark.parametrize(("current", "target"), list(product(S, S)))
def test_transition_table(current: TicketStatus, target: TicketStatus) -> None:
    now = sh(10, 20, 9)
    assert ((current, target) in ALLOWED) is (target in allowed_transitions(current))
    if (current, target) in ALLOWED:
        check_transition(current, target, closed_at=now - timedelta(days=1), now=now)
    else:
        with pytest.raises(RuleViolation, match=f"from {current} to {target}"):
            check_transition(current, target, closed_at=None, now=now)


def test_a_closed_ticket_reopens_only_within_the_window() -> None:
    closed = sh(9, 1, 12)
    check_transition(S.CLOSED, S.IN_PROGRESS, closed_at=closed, now=closed + REOPEN_WINDOW)
    with pytest.raises(RuleViolation, match="within 30 days"):
        check_transition(
            S.CLOSED, S.IN_PROGRESS, closed_at=closed, now=closed + REOPEN_WINDOW + hours(1)
        )
    with pytest.raises(RuleViolation, match="within 7 days"):
        check_transition(
            S.CLOSED,
            S.IN_PROGRESS,
            closed_at=closed,
            now=closed + timedelta(days=8),
            reopen_window=timedelta(days=7),
        )


def test_reopens() -> None:
    assert is_reopen(S.RESOLVED, S.IN_PROGRESS)
    assert is_reopen(S.CLOSED, S.IN_PROGRESS)
    assert not is_reopen(S.RESOLVED, S.CLOSED)
    assert not is_reopen(S.WAITING, S.IN_PROGRESS)


@pytest.mark.parametrize(
    ("first_response_at", "resolved_at", "resolve_by", "now", "expected"),
    [
        (None, None, sh(9, 16, 18), sh(9, 15, 13), (False, False)),
        (None, None, sh(9, 16, 18), sh(9, 15, 14, 1), (True, False)),  # no answer by 14:00
        (sh(9, 15, 14), None, sh(9, 16, 18), sh(9, 20), (False, True)),  # answered at 14:00
        (sh(9, 15, 10), sh(9, 16, 18), sh(9, 16, 18), sh(9, 30), (False, False)),
        (sh(9, 15, 10), None, None, sh(12, 31), (False, False)),  # paused: not breached
    ],
)
def test_breach_flags(
    first_response_at: datetime | None,
    resolved_at: datetime | None,
    resolve_by: datetime | None,
    now: datetime,
    expected: tuple[bool, bool],
) -> None:
    flags = breach_flags(
        respond_by=sh(9, 15, 14),
        first_response_at=first_response_at,
        resolve_by=resolve_by,
        resolved_at=resolved_at,
        now=now,
    )
    assert (flags.response, flags.resolution) == expected
    assert flags.any is any(expected)


def test_settings_refuse_business_hours_out_of_order() -> None:
    from pydantic import ValidationError

    from services.clients.calendar.rules import business_hours
    from services.clients.settings import ClientsSettings

    def hours(settings: ClientsSettings) -> BusinessCalendar:
        return business_hours(
            settings.timezone,
            settings.business_opens_at,
            settings.business_closes_at,
            settings.lunch_break_starts_at,
            settings.lunch_break_ends_at,
        )

    assert hours(ClientsSettings()).lunch_break is not None
    no_lunch = ClientsSettings(lunch_break_starts_at=None, lunch_break_ends_at=None)
    assert hours(no_lunch).lunch_break is None
    with pytest.raises(ValidationError, match="lunch break"):
        ClientsSettings(lunch_break_starts_at="19:00", lunch_break_ends_at="20:00")
