"""The opportunity rules: the stage machine, probabilities, stage durations, line money."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.clients.opportunities.rules import (
    Outcome,
    Stage,
    close_problem,
    line_total,
    lines_total,
    move_problem,
    probability_in,
    probability_problem,
    reopen_problem,
    stage_spells,
    time_in_stages,
    weighted,
)

LEAD = Stage("lead", 10, Outcome.OPEN)
QUALIFIED = Stage("qualified", 25, Outcome.OPEN)
PROPOSAL = Stage("proposal", 50, Outcome.OPEN)
RETIRED = Stage("old", 30, Outcome.OPEN, active=False)
WON = Stage("won", 100, Outcome.WON)
LOST = Stage("lost", 0, Outcome.LOST)
OPEN_STAGES = [LEAD, QUALIFIED, PROPOSAL]
STAGES = [*OPEN_STAGES, RETIRED, WON, LOST]


def test_open_stages_move_forward_and_back() -> None:
    assert move_problem(LEAD, PROPOSAL) is None
    assert move_problem(PROPOSAL, QUALIFIED) is None


def test_won_and_lost_are_reached_only_by_winning_or_losing() -> None:
    assert "use /win" in (move_problem(PROPOSAL, WON) or "")
    assert "use /lose" in (move_problem(PROPOSAL, LOST) or "")


def test_a_closed_opportunity_does_not_move() -> None:
    for closed in (WON, LOST):
        assert move_problem(closed, LEAD) is not None
        assert close_problem(closed) is not None


def test_a_retired_stage_and_the_same_stage_are_refused() -> None:
    assert "no longer in use" in (move_problem(LEAD, RETIRED) or "")
    assert "already" in (move_problem(LEAD, LEAD) or "")


@given(st.sampled_from(STAGES), st.sampled_from(STAGES))
def test_the_machine_allows_exactly_moves_between_distinct_active_open_stages(
    current: Stage, target: Stage
) -> None:
    allowed = move_problem(current, target) is None
    assert allowed == (
        current.outcome is Outcome.OPEN
        and target.outcome is Outcome.OPEN
        and target.active
        and current.code != target.code
    )


@given(st.sampled_from(STAGES))
def test_only_an_open_opportunity_closes(current: Stage) -> None:
    assert (close_problem(current) is None) == (current.outcome is Outcome.OPEN)


def test_only_a_lost_opportunity_reopens_into_an_open_stage() -> None:
    assert reopen_problem(LOST, QUALIFIED) is None
    assert "cannot be reopened" in (reopen_problem(WON, QUALIFIED) or "")
    assert "only a lost" in (reopen_problem(LEAD, QUALIFIED) or "")
    assert reopen_problem(LOST, WON) is not None
    assert reopen_problem(LOST, RETIRED) is not None


def test_a_probability_other_than_the_default_needs_a_reason() -> None:
    assert probability_problem(50, PROPOSAL, None) is None
    assert "probability_reason is required" in (probability_problem(60, PROPOSAL, None) or "")
    assert probability_problem(60, PROPOSAL, "   ") is not None
    assert probability_problem(60, PROPOSAL, "客户已口头确认") is None
    assert probability_problem(101, PROPOSAL, "x") is not None


@given(st.sampled_from(STAGES), st.integers(0, 100) | st.none(), st.text(max_size=5) | st.none())
def test_the_kept_probability_is_the_default_or_an_override_with_its_reason(
    stage: Stage, requested: int | None, reason: str | None
) -> None:
    probability, kept = probability_in(stage, requested, reason)
    if probability == stage.default_probability:
        assert kept is None
    else:
        assert stage.outcome is Outcome.OPEN and probability == requested and kept == reason
    if stage.outcome is not Outcome.OPEN:
        assert probability == stage.default_probability


T0 = datetime(2026, 11, 1, tzinfo=UTC)


def test_stage_spells_last_until_the_next_entry_and_the_last_until_now() -> None:
    entries = [
        ("lead", T0),
        ("qualified", T0 + timedelta(days=2)),
        ("lead", T0 + timedelta(days=3)),
        ("qualified", T0 + timedelta(days=4, hours=12)),
    ]
    spells = stage_spells(entries, T0 + timedelta(days=10))
    assert [s.seconds for s in spells] == [172800, 86400, 129600, 475200]
    assert spells[-1].left is None and spells[0].left == entries[1][1]
    assert time_in_stages(spells) == {"lead": 172800 + 129600, "qualified": 86400 + 475200}


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=20), st.integers(0, 10**6))
def test_the_spells_add_up_to_the_whole_life_of_the_opportunity(gaps: list[int], tail: int) -> None:
    moments = [T0]
    for gap in gaps[1:]:
        moments.append(moments[-1] + timedelta(seconds=gap))
    entries = [(f"s{i % 3}", at) for i, at in enumerate(moments)]
    now = moments[-1] + timedelta(seconds=tail)
    spells = stage_spells(entries, now)
    assert all(s.seconds >= 0 for s in spells)
    assert sum(time_in_stages(spells).values()) == int((now - T0).total_seconds())


def test_a_line_is_rounded_once_to_the_cent_halves_away_from_zero() -> None:
    assert line_total(Decimal("3"), Decimal("0.35"), Decimal("50")) == Decimal("0.53")
    assert line_total(Decimal("1.5"), Decimal("99.99"), Decimal("0")) == Decimal("149.99")
    assert line_total(Decimal("2"), Decimal("100.00"), Decimal("100")) == Decimal("0.00")
    with pytest.raises(ValueError):
        line_total(Decimal("0"), Decimal("1"), Decimal("0"))
    with pytest.raises(ValueError):
        line_total(Decimal("1"), Decimal("1"), Decimal("100.01"))


money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)
quantity = st.decimals(min_value=Decimal("0.001"), max_value=10**4, places=3, allow_nan=False)
discount = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False)


@given(st.lists(st.tuples(quantity, money, discount), max_size=10))
def test_lines_total_is_exact_to_the_cent_and_never_above_list(
    lines: list[tuple[Decimal, Decimal, Decimal]],
) -> None:
    total = lines_total(lines)
    assert total == total.quantize(Decimal("0.01"))
    undiscounted = lines_total([(q, p, Decimal(0)) for q, p, _ in lines])
    assert Decimal(0) <= total <= undiscounted
    # each line is off from its exact value by at most half a cent
    for q, p, d in lines:
        exact = q * p * (100 - d) / 100
        assert abs(line_total(q, p, d) - exact) <= Decimal("0.005")


@given(money, st.integers(0, 100))
def test_the_weighted_amount_is_to_the_cent_and_within_the_amount(
    amount: Decimal, probability: int
) -> None:
    value = weighted(amount, probability)
    assert value == value.quantize(Decimal("0.01"))
    assert Decimal(0) <= value <= amount
    assert abs(value - amount * probability / 100) <= Decimal("0.005")
    assert weighted(amount, 100) == amount and weighted(amount, 0) == 0


def test_a_line_at_the_largest_stored_values_is_exact() -> None:
    # 28 digits (the default context) would round the product before the cent.
    quantity, price = Decimal("999999999999999.999"), Decimal("9999999999999999.99")
    assert line_total(quantity, price, Decimal("0")) == Decimal(
        "9999999999999999980000000000000.00"
    )
