"""Appraisal rules: grades, distributions, bonus factors and the workflow."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from services.kpi.appraisals.rules import (
    APPRAISAL_TRANSITIONS,
    CYCLE_TRANSITIONS,
    DEFAULT_GRADE_SCALE,
    AppraisalState,
    CycleState,
    GradeScale,
    InvalidTransitionError,
    UnfinishedAppraisalsError,
    allowed_transitions,
    assert_cycle_can_close,
    assert_transition,
    bonus_amount,
    bonus_factor,
    distribution_by_group,
    distribution_violations,
    grade_counts,
    grade_for_score,
    grade_outside_band,
    worsened_grades,
)
from shared.money import Money

D = Decimal
scores = st.decimals(min_value=0, max_value=200, places=2)


# --- grades ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        ("120.00", "S"),
        ("95.00", "S"),
        ("94.99", "A"),
        ("85", "A"),
        ("84.99", "B"),
        ("70", "B"),
        ("69.99", "C"),
        ("60", "C"),
        ("59.99", "D"),
        ("0", "D"),
    ],
)
def test_default_grades(score: str, grade: str) -> None:
    assert grade_for_score(D(score)) == grade


def test_configured_scale() -> None:
    scale = GradeScale.model_validate(
        {
            "bands": [{"grade": "优秀", "min_score": "90"}, {"grade": "良好", "min_score": "75"}],
            "lowest_grade": "待改进",
        }
    )
    assert scale.grades == ("优秀", "良好", "待改进")
    assert grade_for_score(D("90"), scale) == "优秀"
    assert grade_for_score(D("74.99"), scale) == "待改进"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"bands": []}, "at least 1"),
        (
            {"bands": [{"grade": "A", "min_score": "85"}, {"grade": "S", "min_score": "95"}]},
            "strictly descending",
        ),
        (
            {"bands": [{"grade": "A", "min_score": "85"}, {"grade": "B", "min_score": "85"}]},
            "strictly descending",
        ),
        (
            {"bands": [{"grade": "A", "min_score": "85"}, {"grade": "A", "min_score": "70"}]},
            "unique",
        ),
        ({"bands": [{"grade": "D", "min_score": "50"}]}, "unique"),
        ({"bands": [{"grade": "A", "min_score": "0"}]}, "above 0"),
        ({"bands": [{"grade": "A", "min_score": 85.5}]}, "float"),
    ],
)
def test_invalid_scales_are_refused(config: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        GradeScale.model_validate(config)


@pytest.mark.parametrize("bad", [D("-0.01"), D("200.01"), D("NaN")])
def test_scores_outside_the_scale_have_no_grade(bad: Decimal) -> None:
    with pytest.raises(ValueError):
        grade_for_score(bad)


@given(scores, scores)
def test_a_higher_score_never_gets_a_lower_grade(a: Decimal, b: Decimal) -> None:
    order = DEFAULT_GRADE_SCALE.grades  # best first
    low, high = sorted((a, b))
    assert order.index(grade_for_score(high)) <= order.index(grade_for_score(low))


# --- distribution ---------------------------------------------------------------------------


def test_grade_counts_and_groups() -> None:
    assert grade_counts(["A", "B", "B", "D"]) == {"S": 0, "A": 1, "B": 2, "C": 0, "D": 1}
    with pytest.raises(ValueError, match="'E' is not one of"):
        grade_counts(["E"])
    by_team = distribution_by_group([("east", "A"), ("west", "S"), ("east", "A")])
    assert by_team == {
        "east": {"S": 0, "A": 2, "B": 0, "C": 0, "D": 0},
        "west": {"S": 1, "A": 0, "B": 0, "C": 0, "D": 0},
    }


def test_violations_hand_computed() -> None:
    # 7 people, at most 10 % S (0 people) and 20 % A (1 person)
    distribution = {"S": 1, "A": 2, "B": 3, "C": 1, "D": 0}
    violations = distribution_violations(distribution, {"S": D(10), "A": D(20)})
    assert [(v.grade, v.count, v.max_count, v.excess) for v in violations] == [
        ("S", 1, 0, 1),
        ("A", 2, 1, 1),
    ]
    assert violations[1].share_percent == D("28.57")
    assert (
        str(violations[1]) == "2 of 7 (28.57%) graded A, above the target of at most 20% (1 people)"
    )


def test_exactly_at_the_target_share_is_allowed() -> None:
    distribution = {"S": 1, "A": 2, "B": 7}  # 10 % S, 20 % A
    assert distribution_violations(distribution, {"S": D(10), "A": D(20)}) == []


def test_empty_groups_and_unknown_grades_have_no_violations() -> None:
    assert distribution_violations({"S": 0, "A": 0}, {"S": D(10)}) == []
    assert distribution_violations({"B": 5}, {"S": D(0)}) == []


@pytest.mark.parametrize("share", [D(-1), D("100.01")])
def test_target_shares_must_be_percentages(share: Decimal) -> None:
    with pytest.raises(ValueError, match="between 0 and 100 percent"):
        distribution_violations({"S": 1}, {"S": share})


@given(
    st.dictionaries(st.sampled_from("SABCD"), st.integers(0, 50), min_size=1),
    st.dictionaries(st.sampled_from("SABCD"), st.integers(0, 100).map(D), min_size=1),
)
def test_a_violation_is_exactly_a_share_above_the_target(
    distribution: dict[str, int], targets: dict[str, Decimal]
) -> None:
    total = sum(distribution.values())
    flagged = {v.grade for v in distribution_violations(distribution, targets)}
    for grade, max_share in targets.items():
        count = distribution.get(grade, 0)
        over = total > 0 and D(count) * 100 > max_share * total
        assert (grade in flagged) == over


# --- bonus ----------------------------------------------------------------------------------


def test_bonus_factor_and_amount() -> None:
    assert bonus_factor("S") == D("1.5")
    assert bonus_factor("D") == D(0)
    assert bonus_factor("A", {"A": D("1.25")}) == D("1.25")
    base = Money.of("8333.33", "CNY")
    assert bonus_amount(base, "A") == Money.of("10000.00", "CNY")  # 9999.996 → half up
    assert bonus_amount(base, "C") == Money.of("6666.66", "CNY")  # 6666.664
    with pytest.raises(ValueError, match="no bonus coefficient for grade 'E'"):
        bonus_factor("E")
    with pytest.raises(ValueError, match="must not be negative"):
        bonus_factor("A", {"A": D(-1)})


# --- workflow -------------------------------------------------------------------------------


def test_the_cycle_moves_forward_one_step_at_a_time() -> None:
    path = list(CycleState)
    for current, following in itertools.pairwise(path):
        assert_transition(current, following)
    assert allowed_transitions(CycleState.CLOSED) == frozenset()


def test_the_appraisal_happy_paths() -> None:
    for path in (
        ["pending_self", "pending_manager", "pending_calibration", "calibrated", "acknowledged"],
        ["pending_self", "pending_manager", "pending_calibration", "calibrated", "appealed"],
    ):
        states = [AppraisalState(s) for s in path]
        for current, following in itertools.pairwise(states):
            assert_transition(current, following)
    assert_transition(AppraisalState.APPEALED, AppraisalState.APPEAL_RESOLVED)


@pytest.mark.parametrize(
    ("current", "target", "message"),
    [
        (
            AppraisalState.PENDING_SELF,
            AppraisalState.CALIBRATED,
            "cannot move appraisal from 'pending_self' to 'calibrated'; "
            "allowed next states: pending_manager",
        ),
        (
            AppraisalState.CALIBRATED,
            AppraisalState.PENDING_MANAGER,
            "allowed next states: acknowledged, appealed",
        ),
        (
            AppraisalState.ACKNOWLEDGED,
            AppraisalState.APPEALED,
            "'acknowledged' is final; no further transitions",
        ),
        (
            CycleState.OPEN,
            CycleState.CLOSED,
            "cannot move cycle from 'open' to 'closed'; allowed next states: collecting",
        ),
        (CycleState.CLOSED, CycleState.OPEN, "'closed' is final"),
        (CycleState.COLLECTING, CycleState.COLLECTING, "allowed next states: self_review"),
    ],
)
def test_moves_out_of_order_are_refused_naming_the_allowed_states(
    current: CycleState | AppraisalState, target: CycleState | AppraisalState, message: str
) -> None:
    with pytest.raises(InvalidTransitionError) as caught:
        assert_transition(current, target)
    assert message in str(caught.value)
    assert caught.value.current is current and caught.value.target is target


def test_cycle_and_appraisal_states_do_not_mix() -> None:
    with pytest.raises(TypeError):
        assert_transition(CycleState.OPEN, AppraisalState.PENDING_SELF)


def test_transition_tables_cover_every_state_and_stay_inside_their_kind() -> None:
    assert set(CYCLE_TRANSITIONS) == set(CycleState)
    assert set(APPRAISAL_TRANSITIONS) == set(AppraisalState)
    for cycle_targets in CYCLE_TRANSITIONS.values():
        assert all(isinstance(s, CycleState) for s in cycle_targets)
    for appraisal_targets in APPRAISAL_TRANSITIONS.values():
        assert all(isinstance(s, AppraisalState) for s in appraisal_targets)
    with pytest.raises(TypeError):
        CYCLE_TRANSITIONS[CycleState.OPEN] = frozenset()  # type: ignore[index]


@given(st.lists(st.sampled_from(list(AppraisalState)), max_size=12))
def test_any_accepted_walk_follows_the_table(walk: list[AppraisalState]) -> None:
    state = AppraisalState.PENDING_SELF
    for target in walk:
        try:
            assert_transition(state, target)
        except InvalidTransitionError:
            assert target not in APPRAISAL_TRANSITIONS[state]
        else:
            assert target in APPRAISAL_TRANSITIONS[state]
            state = target


def test_cycle_closing() -> None:
    assert_cycle_can_close(
        {
            1: AppraisalState.CALIBRATED,
            2: AppraisalState.ACKNOWLEDGED,
            3: AppraisalState.APPEALED,
            4: AppraisalState.APPEAL_RESOLVED,
        }
    )
    assert_cycle_can_close({})
    states = {n: AppraisalState.PENDING_MANAGER for n in range(7)}
    states[99] = AppraisalState.CALIBRATED
    with pytest.raises(UnfinishedAppraisalsError) as caught:
        assert_cycle_can_close(states)
    assert str(caught.value) == (
        "the cycle cannot close: 7 appraisal(s) not yet calibrated: 0 (pending_manager), "
        "1 (pending_manager), 2 (pending_manager), 3 (pending_manager), "
        "4 (pending_manager) and 2 more"
    )


# --- grades against their bands, and what an appeal may worsen --------------------------------

_SCORES = st.decimals(min_value=0, max_value=120, places=2, allow_nan=False, allow_infinity=False)


@given(score=_SCORES)
def test_only_the_band_grade_is_inside_the_band(score: Decimal) -> None:
    band = grade_for_score(score)
    assert not grade_outside_band(score, band)
    assert all(grade_outside_band(score, g) for g in DEFAULT_GRADE_SCALE.grades if g != band)


def test_100_90_graded_b_is_outside_its_band() -> None:
    # 100.90 ≥ 95 is S's band; B (70 ≤ score < 85) contradicts it.
    assert grade_outside_band(Decimal("100.90"), "B")
    assert not grade_outside_band(Decimal("100.90"), "S")


_COUNTS = st.fixed_dictionaries({g: st.integers(0, 20) for g in ("S", "A", "B", "C", "D")})
_TARGET = {"S": Decimal(10), "A": Decimal(20)}


@given(counts=_COUNTS)
def test_an_unchanged_distribution_worsens_nothing(counts: dict[str, int]) -> None:
    assert worsened_grades(counts, counts, _TARGET) == []


@given(counts=_COUNTS)
def test_moving_someone_down_out_of_a_capped_grade_never_worsens_it(
    counts: dict[str, int],
) -> None:
    if counts["A"] == 0:
        return
    after = {**counts, "A": counts["A"] - 1, "B": counts["B"] + 1}
    assert [v.grade for v in worsened_grades(counts, after, _TARGET)] == []


def test_one_more_a_in_five_worsens_a() -> None:
    # Five people, at most floor(5 × 20 / 100) = 1 A: 1 A → 2 A adds one excess A.
    before = {"S": 0, "A": 1, "B": 3, "C": 1, "D": 0}
    after = {"S": 0, "A": 2, "B": 2, "C": 1, "D": 0}
    [violation] = worsened_grades(before, after, _TARGET)
    assert (violation.grade, violation.count, violation.max_count) == ("A", 2, 1)
