"""The pure rules of stand-ins in the org copy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.clients.access import sees_personal_data
from shared.auth.principal import Principal, PrincipalKind, Role
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


@given(st.lists(st.integers(1, 50), max_size=5), st.frozensets(st.integers(8, 50), max_size=3))
def test_a_stand_in_sees_in_full_the_contacts_of_those_they_stand_in_for(
    owner_ids: list[int], absent: frozenset[int]
) -> None:
    """The masking rule reads the scope: an account manager (7) standing in for ``absent``
    today has them in his scope, and sees their contacts in full, nobody else's."""
    stand_in = Principal(
        PrincipalKind.USER, "user:7", frozenset({Role.ACCOUNT_MANAGER}), employee_id=7
    )
    expected = any(owner == 7 or owner in absent for owner in owner_ids)
    assert sees_personal_data(stand_in, frozenset({7}) | absent, owner_ids) == expected
