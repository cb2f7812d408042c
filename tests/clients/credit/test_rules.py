"""Credit authority rules: the period in the company's zone, absolute deltas summed."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from services.clients.credit.rules import AuthorityPeriod, period_start, within_authority

SHANGHAI = "Asia/Shanghai"


def test_a_month_starts_at_midnight_in_the_company_zone() -> None:
    # 2026-11-30 16:30 UTC is already 1 December 00:30 in Shanghai.
    start = period_start(
        datetime(2026, 11, 30, 16, 30, tzinfo=UTC), SHANGHAI, AuthorityPeriod.MONTH
    )
    assert start.astimezone(UTC) == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    before = period_start(
        datetime(2026, 11, 30, 15, 59, tzinfo=UTC), SHANGHAI, AuthorityPeriod.MONTH
    )
    assert before.astimezone(UTC) == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)


def test_quarters_and_years() -> None:
    at = datetime(2026, 8, 15, 4, 0, tzinfo=UTC)
    quarter = period_start(at, SHANGHAI, AuthorityPeriod.QUARTER)
    assert (quarter.year, quarter.month, quarter.day, quarter.hour) == (2026, 7, 1, 0)
    year = period_start(at, SHANGHAI, AuthorityPeriod.YEAR)
    assert (year.year, year.month, year.day) == (2026, 1, 1)


def test_figures_by_hand() -> None:
    assert within_authority(0, 3, 5)
    assert not within_authority(3, 3, 5)  # +3 then +3 with ±5
    assert within_authority(3, -2, 5)
    assert not within_authority(3, -3, 5)  # lowering counts by absolute value
    assert within_authority(0, 5, 5)
    assert not within_authority(0, 6, 5)


@given(
    limit=st.integers(min_value=0, max_value=100),
    deltas=st.lists(st.integers(min_value=-100, max_value=100).filter(bool), max_size=40),
)
def test_directly_applied_deltas_never_exceed_the_limit(limit: int, deltas: list[int]) -> None:
    """Whatever one actor tries on one account in one period, what he applies directly
    sums (by absolute value) to at most his limit; the rest becomes requests."""
    used = 0
    requested = []
    for delta in deltas:
        if within_authority(used, delta, limit):
            used += abs(delta)
        else:
            # Only a change that would cross the limit is held for the superior.
            assert used + abs(delta) > limit
            requested.append(delta)
    assert used <= limit
    assert used + sum(abs(d) for d in requested) == sum(abs(d) for d in deltas)


@given(
    at=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    period=st.sampled_from(list(AuthorityPeriod)),
)
def test_the_period_holds_the_instant(at: datetime, period: AuthorityPeriod) -> None:
    start = period_start(at, SHANGHAI, period)
    assert start <= at
    local = start.replace(tzinfo=None)
    assert (local.day, local.hour, local.minute) == (1, 0, 0)
    assert (
        local.month
        in {
            AuthorityPeriod.MONTH: range(1, 13),
            AuthorityPeriod.QUARTER: (1, 4, 7, 10),
            AuthorityPeriod.YEAR: (1,),
        }[period]
    )
