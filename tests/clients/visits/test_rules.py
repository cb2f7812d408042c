from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.clients.accounts.rules import Grade
from services.clients.calendar.schemas import DayKind
from services.clients.calendar.statutory import statutory_days
from services.clients.tickets.rules import BusinessCalendar
from services.clients.visits.rules import (
    DEFAULT_VISIT_FREQUENCIES,
    PlannedVisit,
    RuleViolation,
    VisitFrequency,
    VisitStatus,
    frequency_for_grade,
    overdue_visits,
    plan_completion_rate,
    plan_visits,
    replan_future,
    visit_periods,
)

CAL = BusinessCalendar(holidays=frozenset({date(2025, 2, 14)}))


def d(month: int, day: int, year: int = 2025) -> date:
    return date(year, month, day)


# --- frequency -----------------------------------------------------------------------


def test_default_frequencies() -> None:
    assert frequency_for_grade(Grade.S) is VisitFrequency.MONTHLY
    assert frequency_for_grade(Grade.A) is VisitFrequency.MONTHLY
    assert frequency_for_grade(Grade.B) is VisitFrequency.QUARTERLY
    assert frequency_for_grade(Grade.C) is VisitFrequency.HALF_YEARLY


def test_frequencies_are_configurable() -> None:
    custom = {Grade.A: VisitFrequency.BIMONTHLY}
    assert frequency_for_grade(Grade.A, custom) is VisitFrequency.BIMONTHLY
    with pytest.raises(RuleViolation, match="grade B"):
        frequency_for_grade(Grade.B, custom)


def test_default_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        DEFAULT_VISIT_FREQUENCIES[Grade.C] = VisitFrequency.YEARLY  # type: ignore[index]


def test_visit_periods() -> None:
    assert visit_periods(2025, VisitFrequency.QUARTERLY) == [
        (d(1, 1), d(3, 31)),
        (d(4, 1), d(6, 30)),
        (d(7, 1), d(9, 30)),
        (d(10, 1), d(12, 31)),
    ]
    assert visit_periods(2024, VisitFrequency.BIMONTHLY)[0] == (d(1, 1, 2024), d(2, 29, 2024))
    assert visit_periods(2025, VisitFrequency.YEARLY) == [(d(1, 1), d(12, 31))]


# --- plan generation: hand-computed --------------------------------------------------


def test_monthly_plan_mid_month() -> None:
    # the middle day of each month: first + (days in month - 1) // 2
    assert plan_visits(2025, Grade.A) == [
        d(1, 16), d(2, 14), d(3, 16), d(4, 15), d(5, 16), d(6, 15),
        d(7, 16), d(8, 16), d(9, 15), d(10, 16), d(11, 15), d(12, 16),
    ]  # fmt: skip


def test_quarterly_plan() -> None:
    # Q1 spans 90 days → +44; Q2 91 days → +45; Q3 and Q4 92 days → +45
    assert plan_visits(2025, Grade.B) == [d(2, 14), d(5, 16), d(8, 15), d(11, 15)]


def test_half_yearly_plan() -> None:
    # H1 has 181 days → +90 = 1 Apr; H2 has 184 days → +91 = 30 Sep
    assert plan_visits(2025, Grade.C) == [d(4, 1), d(9, 30)]


def test_plan_from_a_date_in_the_year() -> None:
    # June is cut to 20–30 Jun, whose middle is 25 Jun; then every month as usual
    assert plan_visits(2025, Grade.A, from_date=d(6, 20)) == [
        d(6, 25), d(7, 16), d(8, 16), d(9, 15), d(10, 16), d(11, 15), d(12, 16),
    ]  # fmt: skip
    assert plan_visits(2025, Grade.A, from_date=d(12, 31)) == [d(12, 31)]
    assert plan_visits(2025, Grade.A, from_date=d(1, 1, 2026)) == []


def test_plan_on_working_days() -> None:
    # 14 Feb (Fri) is a holiday here → 13 Feb; 16 Mar (Sun) → 17 Mar (nearest, later first);
    # 16 Aug (Sat) → 15 Aug (one day back beats two forward); 15 Nov (Sat) → 14 Nov
    plan = plan_visits(2025, Grade.A, calendar=CAL)
    assert plan == [
        d(1, 16), d(2, 13), d(3, 17), d(4, 15), d(5, 16), d(6, 16),
        d(7, 16), d(8, 15), d(9, 15), d(10, 16), d(11, 14), d(12, 16),
    ]  # fmt: skip
    assert all(CAL.is_working_day(day) for day in plan)


def test_period_without_working_day_left_is_skipped() -> None:
    # from Sunday 30 Nov nothing of November is a working day
    assert plan_visits(2025, Grade.A, from_date=d(11, 30), calendar=CAL) == [d(12, 16)]


# --- re-planning ---------------------------------------------------------------------


def test_upgrade_replans_the_rest_of_the_year() -> None:
    existing = [
        PlannedVisit(d(4, 1), VisitStatus.COMPLETED, "v1"),
        PlannedVisit(d(9, 30), VisitStatus.PLANNED, "v2"),
    ]
    plan = replan_future(existing, Grade.A, today=d(6, 20))
    assert plan == [
        PlannedVisit(d(4, 1), VisitStatus.COMPLETED, "v1"),
        *(PlannedVisit(day) for day in plan_visits(2025, Grade.A, from_date=d(6, 20))),
    ]


def test_downgrade_keeps_the_past_and_does_not_double_a_covered_period() -> None:
    monthly = plan_visits(2025, Grade.A)
    existing = [
        PlannedVisit(day, VisitStatus.COMPLETED if day < d(6, 1) else VisitStatus.PLANNED, f"v{i}")
        for i, day in enumerate(monthly)
    ]
    plan = replan_future(existing, Grade.C, today=d(6, 20))
    # Jan–May completed and 15 Jun (planned, now overdue) are kept; they cover H1;
    # H2 gets one visit in its middle
    assert plan == [*existing[:6], PlannedVisit(d(9, 30))]
    assert overdue_visits(plan, d(6, 20)) == [existing[5]]


def test_a_cancellation_by_a_person_stands_through_a_replan() -> None:
    # 客户春节放假: the H2 visit was cancelled by a person; re-planning for C (half-yearly)
    # from 1 Jul keeps it cancelled and puts no new visit in H2.
    existing = [PlannedVisit(d(7, 10), VisitStatus.CANCELLED, "x")]
    assert replan_future(existing, Grade.C, today=d(7, 1)) == existing


def test_visits_an_earlier_replan_replaced_do_not_cover_a_period() -> None:
    existing = [PlannedVisit(d(7, 10), VisitStatus.CANCELLED, "x", replaced=True)]
    plan = replan_future(existing, Grade.C, today=d(7, 1))
    # H2 1 Jul–31 Dec: 183 days after the 1st, // 2 = 91 → 30 Sep.
    assert plan == [existing[0], PlannedVisit(d(9, 30))]


def test_future_visits_in_next_year_are_replanned_too() -> None:
    existing = [PlannedVisit(d(2, 14, 2026)), PlannedVisit(d(11, 15))]
    plan = replan_future(existing, Grade.C, today=d(11, 1))
    assert [v.planned_on for v in plan] == [d(12, 1), d(4, 1, 2026), d(9, 30, 2026)]


def statutory(year: int) -> BusinessCalendar:
    days = statutory_days(date(year, 1, 1), date(year, 12, 31))
    return BusinessCalendar(
        holidays=frozenset(x.day for x in days if x.kind == DayKind.HOLIDAY),
        makeup_working_days=frozenset(x.day for x in days if x.kind == DayKind.MAKEUP_WORKDAY),
    )


def test_plans_skip_weekends_and_statutory_holidays() -> None:
    cal = statutory(2026)
    # A (monthly) from 20 Sep 2026: Sep 20–30 → 20 + 10 // 2 = 25 Sep, 中秋节 (25–27 Sep
    # off) → nearest working day, later first: 26 Sat off, 24 Thu ✓. Oct 1–31 → 16 Oct
    # Fri ✓. Nov 1–30 → 1 + 29 // 2 = 15 Nov, Sunday → 16 Mon ✓. Dec → 16 Dec Wed ✓.
    assert plan_visits(2026, Grade.A, from_date=d(9, 20, 2026)) == [
        d(9, 25, 2026),
        d(10, 16, 2026),
        d(11, 15, 2026),
        d(12, 16, 2026),
    ]
    assert plan_visits(2026, Grade.A, from_date=d(9, 20, 2026), calendar=cal) == [
        d(9, 24, 2026),
        d(10, 16, 2026),
        d(11, 16, 2026),
        d(12, 16, 2026),
    ]
    # 春节 2026: 15–23 Feb off. From 15 Feb: 15 + 13 // 2 = 21 Feb (Sat, off); then 22
    # (Sun, off), 20 (off), 23 (off), 19 (off), 24 Tue ✓.
    assert plan_visits(2026, Grade.A, from_date=d(2, 15, 2026), calendar=cal)[0] == d(2, 24, 2026)
    # Feb 1–28 → 1 + 27 // 2 = 14 Feb, a Saturday but a make-up working day (调休): kept.
    assert plan_visits(2026, Grade.A, calendar=cal)[1] == d(2, 14, 2026)


def test_replan_on_working_days() -> None:
    plan = replan_future([], Grade.B, today=d(7, 1), calendar=CAL)
    assert [v.planned_on for v in plan] == [d(8, 15), d(11, 14)]


# --- completion rate -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("planned", "done", "rate"),
    [
        (12, 9, Decimal("75.00")),
        (3, 1, Decimal("33.33")),
        (3, 2, Decimal("66.67")),
        (8, 1, Decimal("12.50")),
        (12, 12, Decimal("100.00")),
        (12, 0, Decimal("0.00")),
        (0, 0, None),
    ],
)
def test_plan_completion_rate(planned: int, done: int, rate: Decimal | None) -> None:
    assert plan_completion_rate(planned, done) == rate
    if rate is not None:
        assert str(rate) == str(plan_completion_rate(planned, done))


@pytest.mark.parametrize(("planned", "done"), [(3, 4), (-1, 0), (3, -1)])
def test_plan_completion_rate_refuses_bad_counts(planned: int, done: int) -> None:
    with pytest.raises(RuleViolation):
        plan_completion_rate(planned, done)


# --- properties ----------------------------------------------------------------------

years = st.integers(2000, 2100)
grades = st.sampled_from(Grade)
days_in_2025 = st.dates(min_value=d(1, 1), max_value=d(12, 31))


@given(years, grades)
def test_full_year_plan_has_one_visit_per_period(year: int, grade: Grade) -> None:
    frequency = frequency_for_grade(grade)
    plan = plan_visits(year, grade)
    assert len(plan) == frequency.value
    for day, (first, last) in zip(plan, visit_periods(year, frequency), strict=True):
        assert first <= day <= last


@given(grades, days_in_2025, st.booleans())
def test_plan_is_sorted_within_the_year_and_not_before_from_date(
    grade: Grade, from_date: date, on_working_days: bool
) -> None:
    plan = plan_visits(2025, grade, from_date=from_date, calendar=CAL if on_working_days else None)
    assert plan == sorted(set(plan))
    assert all(from_date <= day <= d(12, 31) for day in plan)
    if on_working_days:
        assert all(CAL.is_working_day(day) for day in plan)
    else:
        periods = visit_periods(2025, frequency_for_grade(grade))
        assert len(plan) == len([last for _, last in periods if last >= from_date])


visit_lists = st.lists(
    st.builds(
        PlannedVisit,
        st.dates(min_value=d(1, 1), max_value=d(12, 31, 2026)),
        st.sampled_from(VisitStatus),
        st.none() | st.text(min_size=1, max_size=4),
    ),
    max_size=15,
)


@given(visit_lists, grades, days_in_2025)
def test_replan_keeps_the_past_and_only_adds_the_future(
    existing: list[PlannedVisit], grade: Grade, today: date
) -> None:
    plan = replan_future(existing, grade, today)
    kept = [v for v in existing if v.status is not VisitStatus.PLANNED or v.planned_on < today]
    for visit in kept:
        assert plan.count(visit) >= kept.count(visit)
    added = list(plan)
    for visit in kept:
        added.remove(visit)
    assert all(v.planned_on >= today and v.status is VisitStatus.PLANNED for v in added)
    assert all(v.visit_id is None for v in added)
    assert [v.planned_on for v in plan] == sorted(v.planned_on for v in plan)


@given(visit_lists, grades, days_in_2025)
def test_replan_is_idempotent(existing: list[PlannedVisit], grade: Grade, today: date) -> None:
    once = replan_future(existing, grade, today)
    assert replan_future(once, grade, today) == once


@given(st.integers(1, 10_000), st.data())
def test_completion_rate_is_a_percentage(planned: int, data: st.DataObject) -> None:
    done = data.draw(st.integers(0, planned))
    rate = plan_completion_rate(planned, done)
    assert rate is not None
    assert Decimal(0) <= rate <= Decimal(100)
    assert rate.as_tuple().exponent == -2
    assert abs(rate - Decimal(done) * 100 / Decimal(planned)) <= Decimal("0.005")
