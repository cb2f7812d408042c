"""Who arbitrates an ownership dispute and when the owner's protection lapses (pure rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.clients.disputes.rules import (
    Viewer,
    arbiter_for,
    chain_of,
    lowest_common_manager,
    may_decide,
    may_see,
    protected_until,
    protection_lapsed,
    reveals_account,
)

# A small chart: 1 heads it; 2 and 3 report to 1; 4 and 5 to 2; 6 to 4. 10 heads another
# department with 11 under him.
CHART: dict[int, int | None] = {1: None, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 10: None, 11: 10}
EVERYONE = frozenset(CHART)


def test_two_people_under_the_same_manager_meet_at_him() -> None:
    assert lowest_common_manager(4, 5, CHART) == 2
    assert lowest_common_manager(6, 5, CHART) == 2
    assert lowest_common_manager(6, 3, CHART) == 1


def test_the_same_person_is_his_own_lowest_common_manager() -> None:
    assert lowest_common_manager(4, 4, CHART) == 4


def test_when_one_manages_the_other_it_is_the_manager() -> None:
    assert lowest_common_manager(2, 6, CHART) == 2
    assert lowest_common_manager(6, 2, CHART) == 2
    assert lowest_common_manager(1, 11, CHART) is None


def test_without_a_common_manager_there_is_none() -> None:
    assert lowest_common_manager(6, 11, CHART) is None
    assert lowest_common_manager(1, 10, CHART) is None


def test_a_loop_in_the_data_ends_the_chain() -> None:
    looped: dict[int, int | None] = {1: 2, 2: 3, 3: 1}
    assert chain_of(1, looped) == [1, 2, 3]
    assert lowest_common_manager(1, 3, looped) == 3


def test_the_arbiter_is_never_a_party() -> None:
    # Siblings: their manager.
    assert arbiter_for(4, 5, CHART, EVERYONE) == 2
    # One manages the other: the manager's own manager decides.
    assert arbiter_for(2, 6, CHART, EVERYONE) == 1
    assert arbiter_for(6, 2, CHART, EVERYONE) == 1
    # The top manages the other: nobody above him, the fallback decides.
    assert arbiter_for(1, 6, CHART, EVERYONE) is None


def test_an_inactive_common_manager_passes_the_dispute_up() -> None:
    assert arbiter_for(4, 5, CHART, EVERYONE - {2}) == 1
    assert arbiter_for(4, 5, CHART, EVERYONE - {1, 2}) is None


def test_no_common_manager_falls_back_to_department_managers_and_admins() -> None:
    assert arbiter_for(6, 11, CHART, EVERYONE) is None
    fallback = {"claimant_id": 6, "owner_id": 11, "arbiter_id": None}
    assert may_decide(me=1, may_arbitrate_any=True, **fallback)
    assert may_decide(me=99, may_arbitrate_any=True, **fallback)
    assert not may_decide(me=3, may_arbitrate_any=False, **fallback)
    # Not even a department manager decides a dispute he is a party to.
    assert not may_decide(me=6, may_arbitrate_any=True, **fallback)
    assert not may_decide(me=None, may_arbitrate_any=True, **fallback)


def test_only_the_named_arbiter_decides() -> None:
    named = {"claimant_id": 4, "owner_id": 5, "arbiter_id": 2}
    assert may_decide(me=2, may_arbitrate_any=False, **named)
    assert not may_decide(me=1, may_arbitrate_any=True, **named)
    assert not may_decide(me=4, may_arbitrate_any=False, **named)


@st.composite
def forests(draw: st.DrawFn) -> dict[int, int | None]:
    """A random org chart: each person's manager is someone earlier (or nobody)."""
    size = draw(st.integers(min_value=1, max_value=30))
    chart: dict[int, int | None] = {}
    for person in range(size):
        choices = (
            st.none() | st.integers(min_value=0, max_value=person - 1) if person else st.none()
        )
        chart[person] = draw(choices)
    return chart


def ancestors(person: int, chart: dict[int, int | None]) -> set[int]:
    """The person and everyone above him (computed independently of the rule)."""
    found = set()
    current: int | None = person
    while current is not None:
        found.add(current)
        current = chart[current]
    return found


@given(data=st.data(), chart=forests())
def test_the_result_is_the_lowest_common_ancestor(
    data: st.DataObject, chart: dict[int, int | None]
) -> None:
    first = data.draw(st.sampled_from(sorted(chart)))
    second = data.draw(st.sampled_from(sorted(chart)))
    common = ancestors(first, chart) & ancestors(second, chart)
    result = lowest_common_manager(first, second, chart)
    if not common:
        assert result is None
        return
    assert result is not None
    # An ancestor (or self) of both …
    assert result in common
    # … and no common ancestor lies below it: every common one is at or above it.
    assert all(c in ancestors(result, chart) for c in common)


@given(data=st.data(), chart=forests())
def test_the_arbiter_is_above_both_active_and_no_party(
    data: st.DataObject, chart: dict[int, int | None]
) -> None:
    first = data.draw(st.sampled_from(sorted(chart)))
    second = data.draw(st.sampled_from(sorted(chart)))
    active = data.draw(st.frozensets(st.sampled_from(sorted(chart))))
    arbiter = arbiter_for(first, second, chart, active)
    if arbiter is not None:
        assert arbiter in ancestors(first, chart) & ancestors(second, chart)
        assert arbiter in active and arbiter not in {first, second}


NOW = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)


def test_protection_holds_until_the_last_instant_of_the_period() -> None:
    last = NOW - timedelta(days=90)
    assert protected_until(last, 90) == NOW
    assert protection_lapsed(last, NOW, 90)
    assert not protection_lapsed(last + timedelta(microseconds=1), NOW, 90)
    assert not protection_lapsed(NOW - timedelta(days=89, hours=23), NOW, 90)
    assert protection_lapsed(NOW - timedelta(days=91), NOW, 90)


def test_zero_days_means_no_protection() -> None:
    assert protection_lapsed(NOW, NOW, 0)


@given(
    days=st.integers(min_value=0, max_value=3650),
    since=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=4000)),
)
def test_lapsed_exactly_when_the_days_have_passed(days: int, since: timedelta) -> None:
    assert protection_lapsed(NOW - since, NOW, days) == (since >= timedelta(days=days))


def test_who_sees_a_dispute_and_its_account() -> None:
    lead = Viewer(employee_id=2, people=frozenset({2, 4, 5, 6}), may_arbitrate_any=False)
    stranger = Viewer(employee_id=3, people=frozenset({3}), may_arbitrate_any=False)
    claimant = Viewer(employee_id=11, people=frozenset({11}), may_arbitrate_any=False)
    head = Viewer(employee_id=1, people=None, may_arbitrate_any=True)
    assert may_see(lead, 11, 5, None) and may_see(claimant, 11, 5, None)
    assert may_see(head, 11, 5, None)
    assert not may_see(stranger, 11, 5, None)
    # The claimant learns the dispute exists, not whose account it is, until it is his.
    assert not reveals_account(claimant, owner_id=5, sees_account_now=False)
    assert reveals_account(claimant, owner_id=5, sees_account_now=True)
    assert reveals_account(lead, owner_id=5, sees_account_now=False)
    assert reveals_account(head, owner_id=5, sees_account_now=False)
