"""Bid rules: the order of the tender's dates, the bond, the checklist, the result and the
upcoming deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.clients.bids.rules import (
    BidResult,
    BidRuleBroken,
    DeadlineKind,
    check_bond,
    check_checklist,
    check_dates,
    check_result,
    checklist_progress,
    upcoming_deadlines,
)

T0 = datetime(2026, 12, 10, 1, 30, tzinfo=UTC)


def test_dates_in_order() -> None:
    check_dates(T0 - timedelta(days=3), T0, T0 + timedelta(hours=1))
    check_dates(None, T0, None)
    check_dates(T0, T0, T0)  # the same instant is allowed
    with pytest.raises(BidRuleBroken) as late_questions:
        check_dates(T0 + timedelta(minutes=1), T0, None)
    assert late_questions.value.field == "questions_deadline"
    with pytest.raises(BidRuleBroken) as early_opening:
        check_dates(None, T0, T0 - timedelta(minutes=1))
    assert early_opening.value.field == "opening_at"


def test_bond_returned_after_paid() -> None:
    check_bond(None, None)
    check_bond(date(2026, 12, 1), None)
    check_bond(date(2026, 12, 1), date(2026, 12, 1))
    with pytest.raises(BidRuleBroken):
        check_bond(None, date(2026, 12, 1))
    with pytest.raises(BidRuleBroken):
        check_bond(date(2026, 12, 2), date(2026, 12, 1))


def test_checklist() -> None:
    check_checklist(["营业执照副本", "投标函", "报价表"])
    with pytest.raises(BidRuleBroken):
        check_checklist(["投标函", " 投标函 "])
    assert checklist_progress([]).complete is False
    assert checklist_progress([True, False]).done == 1
    assert checklist_progress([True, True]).complete


def test_result_only_after_submission() -> None:
    check_result(BidResult.WITHDRAWN, T0, T0 - timedelta(days=1))
    check_result(BidResult.WON, T0, T0)
    with pytest.raises(BidRuleBroken):
        check_result(BidResult.LOST, T0, T0 - timedelta(seconds=1))


def test_upcoming_by_hand() -> None:
    found = upcoming_deadlines(
        T0 - timedelta(days=2), T0, T0 + timedelta(days=1), now=T0 - timedelta(days=3),
        within=timedelta(days=3),
    )  # fmt: skip
    assert [d.kind for d in found] == [DeadlineKind.QUESTIONS, DeadlineKind.SUBMISSION]
    assert (
        upcoming_deadlines(None, T0, None, now=T0 + timedelta(seconds=1), within=timedelta(1)) == []
    )


instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@given(
    q=st.none() | instants,
    s=instants,
    o=st.none() | instants,
    now=instants,
    days=st.integers(min_value=0, max_value=60),
)
def test_upcoming_are_in_the_window_and_sorted(
    q: datetime | None, s: datetime, o: datetime | None, now: datetime, days: int
) -> None:
    within = timedelta(days=days)
    found = upcoming_deadlines(q, s, o, now=now, within=within)
    assert all(now <= d.at <= now + within for d in found)
    assert [d.at for d in found] == sorted(d.at for d in found)
    expected = sum(1 for at in (q, s, o) if at is not None and now <= at <= now + within)
    assert len(found) == expected
