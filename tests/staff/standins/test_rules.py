"""Stand-in rules: inclusive day ranges and the company's calendar day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.staff.standins.rules import covers, ranges_overlap
from shared.periods import company_day

days = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 3, 31))
ranges = st.tuples(days, st.integers(min_value=0, max_value=20)).map(
    lambda r: (r[0], r[0] + timedelta(days=r[1]))
)


@given(first=ranges, second=ranges)
def test_ranges_overlap_exactly_when_they_share_a_day(
    first: tuple[date, date], second: tuple[date, date]
) -> None:
    span = (first[1] - first[0]).days + 1
    shared = any(covers(*second, first[0] + timedelta(days=n)) for n in range(span))
    assert ranges_overlap(first, second) is shared
    assert ranges_overlap(first, second) is ranges_overlap(second, first)


def test_the_company_day_starts_at_midnight_in_shanghai() -> None:
    assert company_day(datetime(2026, 12, 13, 16, 30, tzinfo=UTC), "Asia/Shanghai") == date(
        2026, 12, 14
    )
    assert company_day(datetime(2026, 12, 13, 15, 59, tzinfo=UTC), "Asia/Shanghai") == date(
        2026, 12, 13
    )
    with pytest.raises(ValueError):
        company_day(datetime(2026, 12, 13, 16, 30), "Asia/Shanghai")
