"""The inbox's pure rules: the state a person sees, and the kinds' labels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from services.staff.inbox.kinds import KIND_LABELS, WorkItemKind, WorkItemState
from services.staff.inbox.rules import (
    kind_label,
    lockout_key,
    lockout_title,
    position_review_prefix,
    seen_state,
)

moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
)


@given(now=moments, offset=st.integers(min_value=-(10**7), max_value=10**7))
def test_a_snooze_shows_as_open_exactly_when_it_has_run_out(now: datetime, offset: int) -> None:
    until = now + timedelta(seconds=offset)
    seen = seen_state(WorkItemState.SNOOZED, until, now)
    assert seen is (WorkItemState.OPEN if until <= now else WorkItemState.SNOOZED)


@given(state=st.sampled_from([s for s in WorkItemState if s is not WorkItemState.SNOOZED]))
def test_other_states_are_seen_as_they_are(state: WorkItemState) -> None:
    assert seen_state(state, None, datetime(2026, 12, 5, tzinfo=UTC)) is state


def test_every_kind_has_a_chinese_and_an_english_label() -> None:
    assert set(KIND_LABELS) == set(WorkItemKind)
    for labels in KIND_LABELS.values():
        assert labels["zh-CN"] and labels["en"] and labels["zh-CN"] != labels["en"]


def test_labels_follow_accept_language_with_chinese_by_default() -> None:
    kind = WorkItemKind.DUNNING_TASK
    assert kind_label(kind, None) == "催收任务"
    assert kind_label(kind, "zh-CN,zh;q=0.9") == "催收任务"
    assert kind_label(kind, "en-GB,en;q=0.8") == "Dunning task"


def test_a_lockout_is_one_item_per_lock_window_told_in_company_time() -> None:
    until = datetime(2026, 12, 7, 1, 15, tzinfo=UTC)
    assert lockout_key(7, until) == lockout_key(7, until.astimezone(ZoneInfo("Asia/Shanghai")))
    assert lockout_key(7, until) != lockout_key(7, until + timedelta(seconds=900))
    assert lockout_key(7, until) != lockout_key(8, until)
    assert "锁定至 09:15" in lockout_title("li.na", until, "Asia/Shanghai")
    first = position_review_prefix(3, 1, until)
    assert first.startswith("position:3:v1:review:") and first.endswith(":")
    assert first != position_review_prefix(3, 1, until + timedelta(microseconds=1))
