"""Pure rules of collection: the configured levels, one step per line per run, the task's
due day, uninvoiced contract value; and the grade cap from the settings."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.clients.accounts.rules import (
    Grade,
    GradeThresholds,
    computed_grade,
    payment_behaviour_cap,
)
from services.clients.collection.rules import (
    DEFAULT_DUNNING_CONFIG,
    DEFAULT_DUNNING_LEVELS,
    DunningChannel,
    DunningLevel,
    LineDunningState,
    credit_exposure,
    credit_limit_exceeded,
    dunning_policy,
    dunning_policy_from_config,
    dunning_step,
    next_dunning_level,
    task_due_on,
    uninvoiced_contract_value,
    validate_dunning_levels,
)
from services.clients.receivables.rules import RuleViolation
from services.clients.settings import ClientsSettings

POLICY = dunning_policy_from_config(DEFAULT_DUNNING_CONFIG)
DUE = date(2026, 7, 1)


def state(last: int | None = None, on: date | None = None) -> LineDunningState:
    return LineDunningState(DUE, last, on)


def test_default_policy_is_the_documented_ladder() -> None:
    assert [(lv.level, lv.days_overdue, lv.channel) for lv in POLICY.levels] == [
        (1, -3, DunningChannel.CALL),
        (2, 1, DunningChannel.CALL),
        (3, 15, DunningChannel.VISIT),
        (4, 30, DunningChannel.LETTER),
        (5, 60, DunningChannel.LETTER),
    ]
    assert POLICY.escalated == frozenset({5})


def test_first_level_starts_three_days_before_due() -> None:
    assert dunning_step(state(), date(2026, 6, 27), POLICY) is None
    step = dunning_step(state(), date(2026, 6, 28), POLICY)
    assert step is not None and step.level == 1


def test_a_line_far_overdue_still_starts_at_level_one_and_steps_one_at_a_time() -> None:
    day = DUE + timedelta(days=40)
    first = dunning_step(state(), day, POLICY)
    assert first is not None and first.level == 1
    second = dunning_step(state(1, day - timedelta(days=1)), day, POLICY)
    assert second is not None and second.level == 2
    # 40 days reaches level 4 but not 5: from level 4 nothing more is due.
    assert dunning_step(state(4, day - timedelta(days=1)), day, POLICY) is None


def test_at_most_one_step_per_run_day() -> None:
    day = DUE + timedelta(days=90)
    assert dunning_step(state(2, day), day, POLICY) is None
    assert dunning_step(state(2, day + timedelta(days=1)), day, POLICY) is None
    step = dunning_step(state(2, day - timedelta(days=1)), day, POLICY)
    assert step is not None and step.level == 3


@given(st.integers(min_value=-10, max_value=200), st.integers(min_value=1, max_value=40))
def test_daily_runs_reach_levels_in_order_without_skipping(start: int, runs: int) -> None:
    """Whatever day dunning starts and however many daily runs follow, the levels reached
    are 1, 2, … consecutively, each no earlier than its threshold."""
    reached: list[int] = []
    last_on: date | None = None
    for offset in range(runs):
        day = DUE + timedelta(days=start + offset)
        step = dunning_step(state(reached[-1] if reached else None, last_on), day, POLICY)
        if step is not None:
            assert (day - DUE).days >= step.days_overdue
            reached.append(step.level)
            last_on = day
    assert reached == list(range(1, len(reached) + 1))


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ([], "at least one"),
        ([{"level": 1, "days_overdue": 5, "channel": "fax"}], "channel"),
        ([{"level": 1, "channel": "call"}], "days_overdue"),
        (
            [
                {"level": 1, "days_overdue": 5, "channel": "call"},
                {"level": 2, "days_overdue": 5, "channel": "visit"},
            ],
            "start later",
        ),
        ([{"level": 2, "days_overdue": 5, "channel": "call"}], "numbered"),
    ],
)
def test_bad_level_configs_are_refused(config: list[dict[str, object]], problem: str) -> None:
    with pytest.raises(RuleViolation, match=problem):
        dunning_policy_from_config(config)


def test_settings_refuse_bad_levels_and_read_good_ones() -> None:
    with pytest.raises(ValueError, match="dunning_levels"):
        ClientsSettings(dunning_levels=[{"level": 1, "days_overdue": 0, "channel": "sms"}])
    settings = ClientsSettings(
        dunning_levels=[
            {"level": 1, "days_overdue": 0, "channel": "visit", "escalate": True},
        ]
    )
    custom = dunning_policy(settings.dunning_levels)
    assert custom.levels[0].channel is DunningChannel.VISIT and custom.escalated == {1}


def test_task_due_day() -> None:
    assert task_due_on(date(2026, 12, 30), 3) == date(2027, 1, 2)
    with pytest.raises(RuleViolation):
        task_due_on(date(2026, 12, 30), -1)


@given(
    st.decimals(min_value=0, max_value=10**9, places=2),
    st.decimals(min_value=0, max_value=10**9, places=2),
)
def test_uninvoiced_value_is_never_negative(signed: Decimal, invoiced: Decimal) -> None:
    left = uninvoiced_contract_value(signed, invoiced)
    assert left >= 0
    assert left == (signed - invoiced if invoiced <= signed else 0)


def test_grade_cap_from_settings() -> None:
    thresholds = GradeThresholds(s=Decimal("10000000"))
    cap = payment_behaviour_cap(ClientsSettings().grade_cap_overdue_days)
    assert cap is not None and cap.more_than_days == 90
    assert computed_grade(Decimal("6000000"), thresholds, 95, cap) is Grade.B
    assert computed_grade(Decimal("12000000"), thresholds, 91, cap) is Grade.B
    assert computed_grade(Decimal("12000000"), thresholds, 90, cap) is Grade.S
    assert computed_grade(Decimal("2000000"), thresholds, 400, cap) is Grade.B
    assert computed_grade(Decimal("200"), thresholds, 400, cap) is Grade.C
    assert (
        payment_behaviour_cap(ClientsSettings(grade_cap_overdue_days=None).grade_cap_overdue_days)
        is None
    )


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


# --- credit exposure ---------------------------------------------------------------


def test_credit_exposure() -> None:
    exposure = credit_exposure(Decimal("1200000.50"), Decimal("300000.00"))
    assert exposure == Decimal("1500000.50")
    assert credit_limit_exceeded(exposure, Decimal("1500000.00"))
    assert not credit_limit_exceeded(exposure, Decimal("1500000.50"))
    assert not credit_limit_exceeded(exposure, None)
