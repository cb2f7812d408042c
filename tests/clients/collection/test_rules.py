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
    DunningChannel,
    DunningLevel,
    LineDunningState,
    credit_exposure,
    credit_limit_exceeded,
    dunning_policy,
    dunning_policy_from_config,
    dunning_step,
    level_for_age,
    task_due_on,
    uninvoiced_contract_value,
    validate_dunning_levels,
)
from services.clients.receivables.rules import RuleViolation
from services.clients.settings import ClientsSettings

POLICY = dunning_policy_from_config(DEFAULT_DUNNING_CONFIG)
DUE = date(2026, 7, 1)


def state(last: int | None = None) -> LineDunningState:
    return LineDunningState(DUE, last)


def test_default_policy_is_the_documented_ladder() -> None:
    assert [(lv.level, lv.days_overdue, lv.channel) for lv in POLICY.levels] == [
        (1, -3, DunningChannel.CALL),
        (2, 1, DunningChannel.CALL),
        (3, 15, DunningChannel.VISIT),
        (4, 30, DunningChannel.LETTER),
        (5, 60, DunningChannel.LETTER),
    ]
    assert POLICY.escalated == frozenset({5})


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (-4, None),  # before the reminder
        (-3, 1),  # the reminder three days before due
        (0, 1),
        (1, 2),
        (14, 2),
        (15, 3),
        (29, 3),
        (30, 4),
        (59, 4),
        (60, 5),
        (157, 5),
        (4000, 5),  # nothing after the last level
    ],
)
def test_level_for_age_follows_the_schedule(days: int, expected: int | None) -> None:
    level = level_for_age(days, POLICY.levels)
    assert (None if level is None else level.level) == expected


def test_first_level_starts_three_days_before_due() -> None:
    assert dunning_step(state(), date(2026, 6, 27), POLICY) is None
    step = dunning_step(state(), date(2026, 6, 28), POLICY)
    assert step is not None and step.level == 1


def test_a_debt_157_days_overdue_starts_at_level_5_in_one_run() -> None:
    # Due 2026-07-01; 2026-12-05 is 30 (to 07-31) + 31 + 30 + 31 + 30 (to 11-30) + 5 = 157
    # days later, past level 5's 60 days: the first run gives level 5, not level 1.
    day = date(2026, 12, 5)
    assert (day - DUE).days == 157
    step = dunning_step(state(), day, POLICY)
    assert step is not None and (step.level, step.channel) == (5, DunningChannel.LETTER)
    # Level 5 is the last one: the next day's run adds nothing.
    assert dunning_step(state(5), day + timedelta(days=1), POLICY) is None


def test_a_run_on_day_70_moves_a_level_2_task_to_level_5() -> None:
    # 2026-09-09 is 30 (to 07-31) + 31 (to 08-31) + 9 = 70 days after 07-01: level 5 (≥ 60).
    day = date(2026, 9, 9)
    assert (day - DUE).days == 70
    step = dunning_step(state(2), day, POLICY)
    assert step is not None and step.level == 5
    # On day 40 a level-2 line moves to 4 (≥ 30, < 60), skipping 3.
    step = dunning_step(state(2), DUE + timedelta(days=40), POLICY)
    assert step is not None and step.level == 4


def test_a_run_never_lowers_or_repeats_a_level() -> None:
    day = DUE + timedelta(days=20)  # level 3's age
    assert dunning_step(state(3), day, POLICY) is None  # the same level again
    assert dunning_step(state(4), day, POLICY) is None  # reached earlier, never lowered
    assert dunning_step(state(9), day, POLICY) is None  # a level the schedule no longer has


@given(st.lists(st.integers(min_value=-10, max_value=200), min_size=1, max_size=30))
def test_the_level_after_any_runs_is_the_level_for_the_age_at_the_last_run(
    ages: list[int],
) -> None:
    """Runs on increasing days (repeats allowed): after each run the line is at the level
    its age calls for, however many runs came before; each step goes up."""
    last: int | None = None
    for age in sorted(ages):
        step = dunning_step(state(last), DUE + timedelta(days=age), POLICY)
        if step is not None:
            assert last is None or step.level > last
            last = step.level
        expected = level_for_age(age, POLICY.levels)
        assert last == (None if expected is None else expected.level)


@given(st.lists(st.integers(min_value=-10, max_value=200), min_size=1, max_size=30))
def test_runs_out_of_order_end_at_the_level_of_the_oldest_age(ages: list[int]) -> None:
    """A run as of an earlier day never lowers a level: in any order, the line ends at the
    level of the greatest age any run saw."""
    last: int | None = None
    for age in ages:
        step = dunning_step(state(last), DUE + timedelta(days=age), POLICY)
        if step is not None:
            last = step.level
    expected = level_for_age(max(ages), POLICY.levels)
    assert last == (None if expected is None else expected.level)


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


# --- level validation ----------------------------------------------------------------


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


# --- credit exposure ---------------------------------------------------------------


def test_credit_exposure() -> None:
    exposure = credit_exposure(Decimal("1200000.50"), Decimal("300000.00"))
    assert exposure == Decimal("1500000.50")
    assert credit_limit_exceeded(exposure, Decimal("1500000.00"))
    assert not credit_limit_exceeded(exposure, Decimal("1500000.50"))
    assert not credit_limit_exceeded(exposure, None)
