"""The pure rules of stand-ins in the org copy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from shared.org_copy.rules import newest_per_stand_in, stands_in_on

days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


@given(days, st.integers(0, 60), days, st.booleans())
def test_a_stand_in_covers_exactly_its_days_unless_cancelled(
    starts: date, length: int, day: date, cancelled: bool
) -> None:
    ends = starts + timedelta(days=length)
    covered = stands_in_on(starts, ends, cancelled, day)
    assert covered == (not cancelled and starts <= day <= ends)
    # It ends by itself: the day after ends_on is never covered.
    assert not stands_in_on(starts, ends, cancelled, ends + timedelta(days=1))


@dataclass(frozen=True)
class Event:
    stand_in_id: int
    version: int


@given(st.lists(st.builds(Event, st.integers(1, 5), st.integers(1, 9))))
def test_newest_per_stand_in_keeps_the_highest_version_of_each(events: list[Event]) -> None:
    kept = newest_per_stand_in(events)
    assert sorted(e.stand_in_id for e in kept) == sorted({e.stand_in_id for e in events})
    for event in kept:
        assert event.version == max(e.version for e in events if e.stand_in_id == event.stand_in_id)
