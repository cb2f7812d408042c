from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.clients.accounts.rules import Grade
from services.clients.tickets.rules import (
    BusinessCalendar,
    Pause,
    RuleViolation,
    Severity,
    SlaPolicy,
    SlaTarget,
    add_business_time,
    business_time_between,
    calendar_for_target,
    default_sla_policy,
    is_breached,
    resolution_clock_start,
    resolution_deadline,
    sla_deadline,
    ticket_deadlines,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")

# National Day 2025: holidays Wed 1 Oct – Wed 8 Oct; make-up working days Sun 28 Sep and
# Sat 11 Oct. Working hours 09:00–18:00 with lunch 12:00–13:00 (8 working hours a day).
NATIONAL_DAY = frozenset(date(2025, 10, d) for d in range(1, 9))
MAKEUP = frozenset({date(2025, 9, 28), date(2025, 10, 11)})
CAL = BusinessCalendar(holidays=NATIONAL_DAY, makeup_working_days=MAKEUP)
NO_LUNCH = BusinessCalendar(lunch_break=None)


def sh(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2025) -> datetime:
    """A Shanghai wall-clock instant."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


# --- calendar ------------------------------------------------------------------------


def test_calendar_defaults() -> None:
    cal = BusinessCalendar()
    assert cal.zone == SHANGHAI
    assert (cal.opens_at, cal.closes_at, cal.lunch_break) == (
        time(9),
        time(18),
        (time(12), time(13)),
    )


def test_working_days() -> None:
    assert CAL.is_working_day(date(2025, 9, 26))  # Friday
    assert not CAL.is_working_day(date(2025, 9, 27))  # Saturday
    assert CAL.is_working_day(date(2025, 9, 28))  # Sunday, make-up day
    assert not CAL.is_working_day(date(2025, 10, 1))  # Wednesday, holiday
    assert CAL.is_working_day(date(2025, 10, 11))  # Saturday, make-up day


def test_working_periods_are_utc() -> None:
    assert CAL.working_periods(date(2025, 9, 15)) == [
        (datetime(2025, 9, 15, 1, tzinfo=UTC), datetime(2025, 9, 15, 4, tzinfo=UTC)),
        (datetime(2025, 9, 15, 5, tzinfo=UTC), datetime(2025, 9, 15, 10, tzinfo=UTC)),
    ]
    assert CAL.working_periods(date(2025, 10, 1)) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"opens_at": time(18), "closes_at": time(9)}, "before closing"),
        ({"lunch_break": (time(8), time(9))}, "inside"),
        ({"lunch_break": (time(13), time(12))}, "inside"),
        ({"working_weekdays": frozenset({7})}, "0 \\(Monday\\)"),
        (
            {
                "holidays": frozenset({date(2025, 9, 28)}),
                "makeup_working_days": frozenset({date(2025, 9, 28)}),
            },
            "both",
        ),
        ({"opens_at": time(9, tzinfo=UTC)}, "wall-clock"),
    ],
)
def test_calendar_validation(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(RuleViolation, match=message):
        BusinessCalendar(**kwargs)  # type: ignore[arg-type]


def test_calendar_without_working_time_fails_cleanly() -> None:
    never = BusinessCalendar(working_weekdays=frozenset())
    with pytest.raises(RuleViolation, match="no working time"):
        add_business_time(sh(9, 15, 10), hours(1), never)


# --- add_business_time: hand-computed ------------------------------------------------


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        (sh(9, 15, 10), hours(1), sh(9, 15, 11)),  # plain Monday morning
        (sh(9, 15, 11, 30), hours(1), sh(9, 15, 13, 30)),  # lunch does not count
        (sh(9, 15, 11), hours(1), sh(9, 15, 12)),  # ends exactly at lunch
        (sh(9, 15, 12, 30), timedelta(minutes=30), sh(9, 15, 13, 30)),  # opened at lunch
        (sh(9, 15, 17), hours(1), sh(9, 15, 18)),  # ends exactly at closing, same day
        (sh(9, 15, 17), hours(2), sh(9, 16, 10)),  # over the night
        (sh(9, 16, 7), hours(1), sh(9, 16, 10)),  # opened before hours
        (sh(9, 16, 21), hours(1), sh(9, 17, 10)),  # opened after hours
        (sh(9, 19, 17), hours(2), sh(9, 22, 10)),  # Friday → Monday over the weekend
        (sh(9, 20, 22), hours(1), sh(9, 22, 10)),  # opened on a Saturday night
        (sh(9, 26, 17), hours(2), sh(9, 28, 10)),  # Friday → make-up Sunday
        (sh(9, 30, 17), hours(2), sh(10, 9, 10)),  # over the National Day holidays
        (sh(9, 30, 10), hours(8), sh(10, 9, 10)),  # 7 h on 30 Sep, 1 h on 9 Oct
        (sh(10, 10, 17), hours(2), sh(10, 11, 10)),  # Friday → make-up Saturday
        (sh(9, 15, 9), hours(40), sh(9, 19, 18)),  # a working week
        (sh(9, 15, 10), timedelta(0), sh(9, 15, 10)),
        (sh(9, 20, 22), timedelta(0), sh(9, 20, 22)),  # zero does not move to business time
    ],
)
def test_add_business_time(start: datetime, duration: timedelta, expected: datetime) -> None:
    result = add_business_time(start, duration, CAL)
    assert result == expected
    assert result.tzinfo is UTC


def test_add_business_time_without_lunch_break() -> None:
    assert add_business_time(sh(9, 15, 11, 30), hours(1), NO_LUNCH) == sh(9, 15, 12, 30)


def test_add_business_time_accepts_any_offset() -> None:
    start = datetime(2025, 9, 15, 1, tzinfo=UTC)  # 09:00 in Shanghai
    assert add_business_time(start, hours(3), CAL) == datetime(2025, 9, 15, 4, tzinfo=UTC)


def test_add_business_time_refuses_bad_input() -> None:
    with pytest.raises(RuleViolation, match="timezone-aware"):
        add_business_time(datetime(2025, 9, 15, 10), hours(1), CAL)
    with pytest.raises(RuleViolation, match="negative"):
        add_business_time(sh(9, 15, 10), hours(-1), CAL)


def test_twenty_four_seven() -> None:
    always = BusinessCalendar.twenty_four_seven()
    assert add_business_time(sh(9, 20, 22), hours(4), always) == sh(9, 21, 2)
    assert business_time_between(sh(9, 30, 22), sh(10, 2, 22), always) == hours(48)
    assert always.is_working_day(date(2025, 10, 1))
    assert always.working_periods(date(2025, 10, 1)) == [(sh(10, 1), sh(10, 2))]


# --- business_time_between: hand-computed --------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (sh(9, 15, 10), sh(9, 15, 11), hours(1)),
        (sh(9, 15, 8), sh(9, 15, 20), hours(8)),  # a whole day, lunch excluded
        (sh(9, 15, 12, 15), sh(9, 15, 12, 45), timedelta(0)),  # inside lunch
        (sh(9, 19, 17), sh(9, 22, 10), hours(2)),  # over a weekend
        (sh(9, 30, 9), sh(10, 9, 18), hours(16)),  # holidays count nothing
        (sh(10, 10, 9), sh(10, 13, 9), hours(16)),  # Friday + make-up Saturday
        (sh(9, 27, 0), sh(9, 29, 0), hours(8)),  # only the make-up Sunday counts
        (sh(9, 15, 10), sh(9, 15, 10), timedelta(0)),
    ],
)
def test_business_time_between(a: datetime, b: datetime, expected: timedelta) -> None:
    assert business_time_between(a, b, CAL) == expected


def test_business_time_between_refuses_reversed_range() -> None:
    with pytest.raises(RuleViolation, match="before the start"):
        business_time_between(sh(9, 15, 11), sh(9, 15, 10), CAL)


# --- deadlines with pauses -----------------------------------------------------------


def test_deadline_without_pauses() -> None:
    assert sla_deadline(sh(9, 15, 9), hours(8), [], CAL) == sh(9, 15, 18)


def test_pause_spanning_a_night_extends_by_its_business_time() -> None:
    # Before the pause 09–12 and 13–16 = 6 h; the pause holds 16–18 and 09–10 = 3 h of
    # business time; the remaining 2 h run from Tue 10:00 → Tue 12:00 (= Mon 18:00 + 3 h).
    pauses: list[Pause] = [(sh(9, 15, 16), sh(9, 16, 10))]
    assert sla_deadline(sh(9, 15, 9), hours(8), pauses, CAL) == sh(9, 16, 12)


def test_pause_outside_business_hours_changes_nothing() -> None:
    pauses: list[Pause] = [(sh(9, 15, 19), sh(9, 16, 8))]
    assert sla_deadline(sh(9, 15, 14), hours(8), pauses, CAL) == sh(9, 16, 14)


def test_pause_after_the_deadline_changes_nothing() -> None:
    pauses: list[Pause] = [(sh(9, 15, 18), sh(9, 17, 10))]
    assert sla_deadline(sh(9, 15, 9), hours(8), pauses, CAL) == sh(9, 15, 18)


def test_open_pause_leaves_the_deadline_unknown() -> None:
    assert sla_deadline(sh(9, 15, 9), hours(8), [(sh(9, 15, 10), None)], CAL) is None
    # the target was already used up before the pause began
    assert sla_deadline(sh(9, 15, 9), hours(2), [(sh(9, 15, 14), None)], CAL) == sh(9, 15, 11)


def test_overlapping_and_early_pauses() -> None:
    pauses: list[Pause] = [
        (sh(9, 12, 10), sh(9, 15, 10)),  # began before opening: only 09–10 Mon counts
        (sh(9, 15, 14), sh(9, 15, 16)),
        (sh(9, 15, 15), sh(9, 15, 17)),  # overlaps: together 14–17
    ]
    # paused 1 h + 3 h = 4 h → Mon 18:00 + 4 h = Tue 09–12 and 13–14 → Tue 14:00
    assert sla_deadline(sh(9, 15, 9), hours(8), pauses, CAL) == sh(9, 16, 14)


def test_pause_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(RuleViolation, match="before it starts"):
        sla_deadline(sh(9, 15, 9), hours(8), [(sh(9, 15, 12), sh(9, 15, 11))], CAL)


# --- breach, reopen ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "resolved_at", "breached"),
    [
        (sh(9, 15, 17), None, False),
        (sh(9, 15, 18), None, False),  # at the deadline is on time
        (sh(9, 15, 18, 1), None, True),
        (sh(9, 20), sh(9, 15, 18), False),  # resolved on time, looked at later
        (sh(9, 20), sh(9, 15, 18, 1), True),
        (sh(9, 15, 10), sh(9, 16, 10), True),  # judged by resolution, not "now"
    ],
)
def test_is_breached(now: datetime, resolved_at: datetime | None, breached: bool) -> None:
    assert is_breached(sh(9, 15, 18), now, resolved_at) is breached


def test_unknown_deadline_is_not_breached() -> None:
    assert not is_breached(None, sh(12, 31), None)


def test_reopen_restarts_the_resolution_clock() -> None:
    opened = sh(9, 15, 9)
    pauses: list[Pause] = [(sh(9, 15, 10), sh(9, 15, 11))]  # before the reopen: ignored
    assert resolution_clock_start(opened, None) == opened
    assert resolution_clock_start(opened, sh(9, 17, 15)) == sh(9, 17, 15)
    # Wed 15–18 = 3 h, Thu 09–12 = 3 h, 13–15 = 2 h
    deadline = resolution_deadline(opened, hours(8), pauses, CAL, reopened_at=sh(9, 17, 15))
    assert deadline == sh(9, 18, 15)
    with pytest.raises(RuleViolation, match="reopened before"):
        resolution_clock_start(opened, sh(9, 14))


# --- policy --------------------------------------------------------------------------


def test_default_policy_is_complete_and_critical_runs_24x7() -> None:
    policy = default_sla_policy()
    for severity in Severity:
        for grade in Grade:
            target = policy.target_for(severity, grade)
            assert target.around_the_clock is (severity is Severity.CRITICAL)
    assert policy.target_for(Severity.HIGH, Grade.A) == SlaTarget(hours(2), hours(8))


def test_better_grades_are_never_served_slower_by_default() -> None:
    policy = default_sla_policy()
    order = [Grade.S, Grade.A, Grade.B, Grade.C]
    for severity in Severity:
        targets = [policy.target_for(severity, grade) for grade in order]
        assert [t.resolution for t in targets] == sorted(t.resolution for t in targets)
        assert [t.response for t in targets] == sorted(t.response for t in targets)


def test_incomplete_policy_is_refused() -> None:
    with pytest.raises(RuleViolation, match="no target for"):
        SlaPolicy({(Severity.LOW, Grade.C): SlaTarget(hours(8), hours(40))})


@pytest.mark.parametrize(("response", "resolution"), [(0, 8), (9, 8), (-1, 8)])
def test_target_validation(response: int, resolution: int) -> None:
    with pytest.raises(RuleViolation, match="response"):
        SlaTarget(hours(response), hours(resolution))


def test_ticket_deadlines_critical_runs_through_the_evening() -> None:
    target = default_sla_policy().target_for(Severity.CRITICAL, Grade.A)  # 0.5 h / 4 h, 24x7
    deadlines = ticket_deadlines(sh(9, 19, 17), target, CAL)
    assert deadlines.respond_by == sh(9, 19, 17, 30)
    assert deadlines.resolve_by == sh(9, 19, 21)


def test_ticket_deadlines_business_hours_over_a_weekend() -> None:
    target = default_sla_policy().target_for(Severity.HIGH, Grade.B)  # 4 h / 16 h
    deadlines = ticket_deadlines(sh(9, 19, 16), target, CAL)
    assert deadlines.respond_by == sh(9, 22, 11)  # Fri 2 h + Mon 09–11
    assert deadlines.resolve_by == sh(9, 23, 16)  # Fri 2 h + Mon 8 h + Tue 6 h


def test_calendar_for_target() -> None:
    assert calendar_for_target(SlaTarget(hours(1), hours(2)), CAL) is CAL
    always = calendar_for_target(SlaTarget(hours(1), hours(2), around_the_clock=True), CAL)
    assert always.around_the_clock
    assert always.zone == CAL.zone


# --- properties ----------------------------------------------------------------------

calendars = st.sampled_from(
    [
        CAL,
        NO_LUNCH,
        BusinessCalendar.twenty_four_seven(),
        # a zone with daylight saving time and a six-day week
        BusinessCalendar(
            zone=ZoneInfo("Europe/Berlin"),
            opens_at=time(8, 30),
            closes_at=time(17, 15),
            lunch_break=(time(12, 30), time(13)),
            working_weekdays=frozenset(range(6)),
        ),
    ]
)
instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)
durations = st.timedeltas(min_value=timedelta(0), max_value=hours(120))


@given(instants, durations, calendars)
def test_deadline_is_not_before_start(start: datetime, d: timedelta, cal: BusinessCalendar) -> None:
    assert add_business_time(start, d, cal) >= start


@given(instants, durations, durations, calendars)
def test_monotone_in_duration(
    start: datetime, a: timedelta, b: timedelta, cal: BusinessCalendar
) -> None:
    low, high = sorted((a, b))
    assert add_business_time(start, low, cal) <= add_business_time(start, high, cal)


@given(instants, durations, durations, calendars)
def test_adding_twice_is_adding_the_sum(
    start: datetime, a: timedelta, b: timedelta, cal: BusinessCalendar
) -> None:
    assert add_business_time(add_business_time(start, a, cal), b, cal) == add_business_time(
        start, a + b, cal
    )


@given(instants, durations, calendars)
def test_between_inverts_add(start: datetime, d: timedelta, cal: BusinessCalendar) -> None:
    assert business_time_between(start, add_business_time(start, d, cal), cal) == d


@given(instants, durations, durations, calendars)
def test_between_is_additive(
    start: datetime, a: timedelta, b: timedelta, cal: BusinessCalendar
) -> None:
    middle, end = start + a, start + a + b
    total = business_time_between(start, end, cal)
    assert total == business_time_between(start, middle, cal) + business_time_between(
        middle, end, cal
    )
    assert total <= end - start


@given(instants, durations, durations, durations, calendars)
def test_a_pause_extends_the_deadline_by_its_business_time(
    opened: datetime,
    target: timedelta,
    pause_offset: timedelta,
    pause_length: timedelta,
    cal: BusinessCalendar,
) -> None:
    pause_start = opened + pause_offset
    pause_end = pause_start + pause_length
    paused = sla_deadline(opened, target, [(pause_start, pause_end)], cal)
    plain = add_business_time(opened, target, cal)
    assert paused is not None
    assert paused >= plain
    if business_time_between(opened, pause_start, cal) < target:
        extra = business_time_between(pause_start, pause_end, cal)
        assert paused == add_business_time(opened, target + extra, cal)
    else:
        assert paused == plain
