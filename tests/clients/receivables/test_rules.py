from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.clients.accounts.rules import Grade, PaymentBehaviourCap, cap_for_payment_behaviour
from services.clients.receivables.rules import (
    DEFAULT_AGEING_BUCKETS,
    DEFAULT_DUNNING_LEVELS,
    AgeingBucket,
    Allocation,
    DunningChannel,
    DunningLevel,
    OpenLine,
    RuleViolation,
    ageing_bucket,
    ageing_report,
    allocate_payment,
    collection_rate,
    credit_exposure,
    credit_limit_exceeded,
    days_overdue,
    next_dunning_level,
    oldest_days_overdue,
    outstanding_ratio,
    validate_ageing_buckets,
    validate_dunning_levels,
)

AS_OF = date(2025, 6, 30)


def line(line_id: str, due_on: date, amount: str) -> OpenLine:
    return OpenLine(line_id, due_on, Decimal(amount))


# --- days overdue --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "as_of", "days"),
    [
        (date(2025, 6, 30), date(2025, 6, 30), 0),
        (date(2025, 6, 30), date(2025, 7, 1), 1),
        (date(2025, 7, 15), date(2025, 6, 30), -15),
        (date(2024, 2, 28), date(2024, 3, 1), 2),  # leap day counts
        (date(2024, 12, 31), date(2025, 6, 30), 181),
    ],
)
def test_days_overdue(due: date, as_of: date, days: int) -> None:
    assert days_overdue(due, as_of) == days


def test_oldest_days_overdue_ignores_paid_lines() -> None:
    lines = [
        line("a", date(2025, 1, 1), "0"),
        line("b", date(2025, 3, 31), "10"),
        line("c", date(2025, 7, 1), "10"),
    ]
    assert oldest_days_overdue(lines, AS_OF) == 91
    assert oldest_days_overdue(lines[:1], AS_OF) is None
    # feeds the grade's payment behaviour cap: 91 days overdue caps A at B
    assert cap_for_payment_behaviour(Grade.A, 91, PaymentBehaviourCap()) is Grade.B


def test_open_line_refuses_negative_or_non_decimal_amounts() -> None:
    with pytest.raises(RuleViolation, match="negative"):
        line("x", AS_OF, "-0.01")
    with pytest.raises(RuleViolation, match="finite Decimal"):
        OpenLine("x", AS_OF, 1.5)  # type: ignore[arg-type]
    with pytest.raises(RuleViolation, match="finite Decimal"):
        line("x", AS_OF, "Infinity")


# --- ageing --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "code"),
    [
        (-400, "current"),
        (0, "current"),
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "91-180"),
        (180, "91-180"),
        (181, "180+"),
        (10_000, "180+"),
    ],
)
def test_default_bucket_boundaries(days: int, code: str) -> None:
    assert ageing_bucket(days).code == code


def test_ageing_report_hand_computed() -> None:
    lines = [
        line("L1", date(2025, 7, 15), "1000.00"),  # -15 → current
        line("L2", date(2025, 6, 30), "250.50"),  # 0 → current
        line("L3", date(2025, 6, 29), "100.10"),  # 1
        line("L4", date(2025, 5, 31), "200.00"),  # 30
        line("L5", date(2025, 5, 30), "300.33"),  # 31
        line("L6", date(2025, 4, 1), "400.00"),  # 29 + 31 + 30 = 90
        line("L7", date(2025, 3, 31), "500.00"),  # 91
        line("L8", date(2025, 1, 1), "600.00"),  # 180
        line("L9", date(2024, 12, 31), "700.07"),  # 181
        line("L10", date(2024, 1, 1), "0.00"),  # paid
    ]
    report = ageing_report(lines, AS_OF)
    assert report == {
        "current": Decimal("1250.50"),
        "1-30": Decimal("300.10"),
        "31-60": Decimal("300.33"),
        "61-90": Decimal("400.00"),
        "91-180": Decimal("1100.00"),
        "180+": Decimal("700.07"),
    }
    assert list(report) == [b.code for b in DEFAULT_AGEING_BUCKETS]
    assert sum(report.values()) == Decimal("4051.00")


def test_ageing_report_with_custom_buckets_and_no_lines() -> None:
    buckets = [AgeingBucket("not_due", None, 0), AgeingBucket("overdue", 1, None)]
    assert ageing_report([], AS_OF, buckets) == {"not_due": Decimal(0), "overdue": Decimal(0)}
    lines = [line("a", date(2025, 6, 29), "5"), line("b", date(2025, 7, 1), "7")]
    assert ageing_report(lines, AS_OF, buckets) == {"not_due": Decimal(7), "overdue": Decimal(5)}


@pytest.mark.parametrize(
    ("buckets", "message"),
    [
        ([], "at least one"),
        ([AgeingBucket("a", 0, None)], "first bucket 'a' must have no lower bound"),
        ([AgeingBucket("a", None, 0)], "last bucket 'a' must have no upper bound"),
        (
            [AgeingBucket("a", None, 0), AgeingBucket("b", 2, None)],
            "bucket 'b' leaves a gap after 'a'",
        ),
        (
            [AgeingBucket("a", None, 10), AgeingBucket("b", 5, None)],
            "bucket 'b' overlaps 'a'",
        ),
        (
            [AgeingBucket("a", None, 0), AgeingBucket("a", 1, None)],
            "unique",
        ),
        (
            [AgeingBucket("a", None, 0), AgeingBucket("b", 1, None), AgeingBucket("c", 2, None)],
            "only the ends may be unbounded",
        ),
        (
            [AgeingBucket("a", None, 0), AgeingBucket("b", 5, 1), AgeingBucket("c", 2, None)],
            "'b' ends before it starts",
        ),
    ],
)
def test_bucket_validation(buckets: list[AgeingBucket], message: str) -> None:
    with pytest.raises(RuleViolation, match=message):
        validate_ageing_buckets(buckets)


amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)
lines_strategy = st.lists(
    st.builds(
        OpenLine,
        st.text(min_size=1, max_size=3),
        st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 12, 31)),
        amounts,
    ),
    max_size=20,
)


@st.composite
def bucket_lists(draw: st.DrawFn) -> list[AgeingBucket]:
    edges = sorted(draw(st.sets(st.integers(-60, 400), max_size=6)))
    bounds = [None, *edges, None]
    return [
        AgeingBucket(f"b{i}", None if low is None else low + 1, high)
        for i, (low, high) in enumerate(pairwise(bounds))
    ]


@given(bucket_lists(), st.integers(-1000, 1000))
def test_every_day_count_falls_in_exactly_one_bucket(
    buckets: list[AgeingBucket], days: int
) -> None:
    validate_ageing_buckets(buckets)
    assert sum(bucket.holds(days) for bucket in buckets) == 1


@given(lines_strategy, st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 1, 1)))
def test_ageing_report_totals_exactly(lines: list[OpenLine], as_of: date) -> None:
    report = ageing_report(lines, as_of)
    assert sum(report.values(), Decimal(0)) == sum((x.open_amount for x in lines), Decimal(0))
    assert all(amount >= 0 for amount in report.values())


# --- dunning -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "last", "expected"),
    [
        (-5, None, None),  # too early even for the reminder
        (-3, None, 1),  # reminder three days before due
        (100, None, 1),  # far overdue still starts at level 1
        (100, 1, 2),
        (10, 2, None),  # level 3 waits for day 15
        (15, 2, 3),
        (60, 4, 5),
        (400, 5, None),  # nothing after the last level
    ],
)
def test_next_dunning_level(days: int, last: int | None, expected: int | None) -> None:
    level = next_dunning_level(days, DEFAULT_DUNNING_LEVELS, last)
    assert (None if level is None else level.level) == expected


def test_default_dunning_channels() -> None:
    assert [lvl.channel for lvl in DEFAULT_DUNNING_LEVELS] == [
        DunningChannel.LETTER,
        DunningChannel.CALL,
        DunningChannel.CALL,
        DunningChannel.VISIT,
        DunningChannel.LETTER,
    ]


def test_unknown_last_level_is_refused() -> None:
    with pytest.raises(RuleViolation, match="unknown dunning level 6"):
        next_dunning_level(10, DEFAULT_DUNNING_LEVELS, 6)


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ([], "at least one"),
        ([DunningLevel(2, 1, DunningChannel.CALL)], "numbered 1..n"),
        (
            [DunningLevel(1, 5, DunningChannel.CALL), DunningLevel(2, 5, DunningChannel.VISIT)],
            "level 2 must start later than level 1",
        ),
    ],
)
def test_dunning_level_validation(levels: list[DunningLevel], message: str) -> None:
    with pytest.raises(RuleViolation, match=message):
        validate_dunning_levels(levels)


@given(st.lists(st.integers(-10, 200), min_size=1, max_size=30))
def test_dunning_steps_one_level_at_a_time_in_order(checks: list[int]) -> None:
    """Run the daily job at increasing days overdue; levels are reached 1, 2, 3 … in order."""
    reached: list[int] = []
    for days in sorted(checks):
        level = next_dunning_level(days, DEFAULT_DUNNING_LEVELS, reached[-1] if reached else None)
        if level is not None:
            assert level.days_overdue <= days
            reached.append(level.level)
    assert reached == list(range(1, len(reached) + 1))
    assert len(reached) <= len(checks)


# --- payment allocation --------------------------------------------------------------


OPEN = [
    line("A", date(2025, 3, 1), "300.00"),
    line("B", date(2025, 1, 15), "500.00"),
    line("C", date(2025, 3, 1), "400.00"),  # same due date as A: after A (given order)
    line("D", date(2025, 2, 1), "0.00"),  # already paid
]


def test_allocation_oldest_first_with_partial_last_line() -> None:
    result = allocate_payment(Decimal("1000.00"), OPEN)
    assert result.allocations == (
        Allocation("B", Decimal("500.00")),
        Allocation("A", Decimal("300.00")),
        Allocation("C", Decimal("200.00")),
    )
    assert result.unallocated == Decimal("0.00")


def test_overpayment_leaves_an_unallocated_remainder() -> None:
    result = allocate_payment(Decimal("2000.00"), OPEN)
    assert [a.amount for a in result.allocations] == [Decimal(500), Decimal(300), Decimal(400)]
    assert result.unallocated == Decimal("800.00")


def test_payment_without_open_lines_is_unallocated() -> None:
    result = allocate_payment(Decimal("99.99"), [])
    assert result.allocations == ()
    assert result.unallocated == Decimal("99.99")


def test_zero_and_negative_payments() -> None:
    assert allocate_payment(Decimal(0), OPEN).allocations == ()
    with pytest.raises(RuleViolation, match="payment amount cannot be negative"):
        allocate_payment(Decimal("-1"), OPEN)


@given(amounts, lines_strategy)
def test_allocation_invariants(amount: Decimal, lines: list[OpenLine]) -> None:
    result = allocate_payment(amount, lines)
    allocated = sum((a.amount for a in result.allocations), Decimal(0))
    assert allocated + result.unallocated == amount
    assert result.unallocated >= 0
    assert all(a.amount > 0 for a in result.allocations)
    open_by_id: dict[str, Decimal] = {}
    for x in lines:
        open_by_id[x.line_id] = open_by_id.get(x.line_id, Decimal(0)) + x.open_amount
    received: dict[str, Decimal] = {}
    for a in result.allocations:
        received[a.line_id] = received.get(a.line_id, Decimal(0)) + a.amount
    assert all(received[i] <= open_by_id[i] for i in received)
    total_open = sum(open_by_id.values(), Decimal(0))
    assert allocated == min(amount, total_open)
    # oldest first: allocations follow due dates
    due_of = {x.line_id: x.due_on for x in lines}
    assert len(result.allocations) <= len(lines)
    if len({x.line_id for x in lines}) == len(lines):
        dues = [due_of[a.line_id] for a in result.allocations]
        assert dues == sorted(dues)
        # only the last allocated line may be partly paid
        open_of = {x.line_id: x.open_amount for x in lines}
        assert all(a.amount == open_of[a.line_id] for a in result.allocations[:-1])


# --- rates and exposure --------------------------------------------------------------


@pytest.mark.parametrize(
    ("collected", "due", "arrears", "rate"),
    [
        ("87500.00", "100000.00", "0", "87.50"),
        ("100.00", "300.00", "0", "33.33"),
        ("200.00", "300.00", "0", "66.67"),
        ("1.00", "800.00", "0", "0.13"),  # 0.125 rounds half up
        ("1.00", "1600.00", "0", "0.06"),  # 0.0625 rounds down
        # 120000 collected of 100000 due + 50000 arrears = 120000 / 150000 = 80 %
        ("120000.00", "100000.00", "50000.00", "80.00"),
        # the December: 300610.00 collected, 1200.00 due, 400000.00 in arrears
        # → 300610 / 401200 = 74.9277…% → 74.93
        ("300610.00", "1200.00", "400000.00", "74.93"),
        # nothing due in the month, 6400.75 in arrears, 1000.00 collected → 15.623…% → 15.62
        ("1000.00", "0", "6400.75", "15.62"),
        ("0", "100.00", "0", "0.00"),
        # base amounts converted at other dates may pass the base: capped
        ("101.00", "100.00", "0", "100.00"),
    ],
)
def test_collection_rate(collected: str, due: str, arrears: str, rate: str) -> None:
    result = collection_rate(Decimal(collected), Decimal(due), Decimal(arrears))
    assert result is not None
    assert str(result) == rate


def test_collection_rate_without_anything_due() -> None:
    assert collection_rate(Decimal("500.00"), Decimal(0), Decimal(0)) is None
    with pytest.raises(RuleViolation):
        collection_rate(Decimal("-1"), Decimal(10), Decimal(0))
    with pytest.raises(RuleViolation):
        collection_rate(Decimal("1"), Decimal(10), Decimal(-1))


def test_outstanding_ratio() -> None:
    assert outstanding_ratio(Decimal("250000.00"), Decimal("1000000.00")) == Decimal("25.00")
    assert outstanding_ratio(Decimal("1.00"), Decimal(0)) is None


def test_credit_exposure() -> None:
    exposure = credit_exposure(Decimal("1200000.50"), Decimal("300000.00"))
    assert exposure == Decimal("1500000.50")
    assert credit_limit_exceeded(exposure, Decimal("1500000.00"))
    assert not credit_limit_exceeded(exposure, Decimal("1500000.50"))
    assert not credit_limit_exceeded(exposure, None)


@given(amounts, amounts.filter(lambda x: x > 0), amounts)
def test_collection_rate_is_within_half_a_basis_point_and_at_most_100(
    collected: Decimal, due: Decimal, arrears: Decimal
) -> None:
    rate = collection_rate(collected, due, arrears)
    assert rate is not None
    assert rate.as_tuple().exponent == -2
    assert Decimal(0) <= rate <= Decimal(100)
    exact = collected * 100 / (due + arrears)
    assert abs(rate - min(exact, Decimal(100))) <= Decimal("0.005")


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), st.integers(-500, 500))
def test_days_overdue_round_trip(due: date, days: int) -> None:
    assert days_overdue(due, due + timedelta(days=days)) == days
