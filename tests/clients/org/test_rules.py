"""Pure rules of the org copy."""

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from services.clients.org.rules import credit_adjustment_limit
from shared.org_copy.rules import newest_per_employee


@dataclass(frozen=True)
class Event:
    employee_id: int
    version: int


@given(st.lists(st.builds(Event, st.integers(1, 5), st.integers(0, 20))))
def test_newest_per_employee_keeps_one_highest_version_each(events: list[Event]) -> None:
    kept = newest_per_employee(events)
    assert sorted(e.employee_id for e in kept) == sorted({e.employee_id for e in events})
    for event in kept:
        assert event.version == max(e.version for e in events if e.employee_id == event.employee_id)


def test_first_event_wins_a_tie() -> None:
    first, second = Event(1, 3), Event(1, 3)
    assert newest_per_employee([first, second])[0] is first


def test_credit_limit_reads_the_grant() -> None:
    assert credit_adjustment_limit({"adjust_credit_score": {"max_delta": 5}}) == 5
    assert credit_adjustment_limit({"adjust_credit_score": {"max_delta": 0}}) == 0


@given(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(max_value=-1),
        st.text(),
        st.floats(allow_nan=True),
        st.lists(st.integers()),
    )
)
def test_an_unreadable_limit_grants_nothing(max_delta: object) -> None:
    assert credit_adjustment_limit({"adjust_credit_score": {"max_delta": max_delta}}) is None


def test_no_grant_is_no_authority() -> None:
    assert credit_adjustment_limit({}) is None
    assert credit_adjustment_limit({"adjust_credit_score": 5}) is None
