"""Scoring rules: linear with floor and cap, banded tables, pass/fail."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from services.kpi.indicators.rules import (
    MAX_SCORE,
    BandedRule,
    Direction,
    LinearRule,
    PassFailRule,
    ScoringInputError,
    attainment_percent,
    parse_scoring_rule,
    score_indicator,
)

D = Decimal
HIGHER = Direction.HIGHER_IS_BETTER
LOWER = Direction.LOWER_IS_BETTER

amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)
positive = st.decimals(min_value=D("0.01"), max_value=10**9, places=2, allow_nan=False)


# --- attainment -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "target", "direction", "expected"),
    [
        ("950000", "1000000", HIGHER, "95"),
        ("0", "100", HIGHER, "0"),
        ("-10", "100", HIGHER, "-10"),
        ("130", "100", HIGHER, "130"),
        ("50", "100", LOWER, "200"),  # half the allowed cost: twice as good
        ("200", "100", LOWER, "50"),
        ("100", "100", LOWER, "100"),
        ("0", "0", LOWER, "100"),  # zero complaints against a zero target: exactly met
        ("3", "0", LOWER, "0"),
    ],
)
def test_attainment(actual: str, target: str, direction: Direction, expected: str) -> None:
    assert attainment_percent(D(actual), D(target), direction) == D(expected)


def test_zero_actual_against_positive_target_is_unbounded_when_lower_is_better() -> None:
    assert attainment_percent(D(0), D(5), LOWER) is None


@pytest.mark.parametrize(
    ("actual", "target", "direction", "message"),
    [
        ("10", "0", HIGHER, "positive target"),
        ("10", "-5", HIGHER, "positive target"),
        ("-1", "5", LOWER, "non-negative"),
        ("1", "-5", LOWER, "non-negative"),
    ],
)
def test_attainment_refuses_what_has_no_meaning(
    actual: str, target: str, direction: Direction, message: str
) -> None:
    with pytest.raises(ScoringInputError, match=message):
        attainment_percent(D(actual), D(target), direction)


def test_floats_and_non_finite_inputs_are_refused() -> None:
    with pytest.raises(ScoringInputError, match="float"):
        score_indicator(LinearRule(), 95.0, D(100))  # type: ignore[arg-type]
    with pytest.raises(ScoringInputError, match="finite"):
        score_indicator(LinearRule(), D("NaN"), D(100))
    with pytest.raises(ScoringInputError):
        score_indicator(LinearRule(), D(1), D("Infinity"))


# --- linear ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        ("0", "0.00"),
        ("59.99", "0.00"),  # below the floor
        ("60", "60.00"),  # at the floor the score is the attainment
        ("87.654", "87.65"),
        ("87.655", "87.66"),  # half up
        ("100", "100.00"),
        ("119.999", "120.00"),
        ("150", "120.00"),  # capped
    ],
)
def test_default_linear_rule_scores_the_attainment(actual: str, expected: str) -> None:
    assert score_indicator(LinearRule(), D(actual), D(100)) == D(expected)


def test_linear_on_real_money_amounts() -> None:
    # 销售目标 1,200,000.00, actual 1,013,456.78 → 84.4547…% → 84.45
    assert score_indicator(LinearRule(), D("1013456.78"), D("1200000.00")) == D("84.45")
    # 1/3 of target below the floor
    assert score_indicator(LinearRule(), D("400000"), D("1200000")) == D("0.00")


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        ("59.99", "0.00"),
        ("60", "0.00"),
        ("70", "25.00"),  # slope 100/40 = 2.5 points per percent
        ("90", "75.00"),
        ("100", "100.00"),
        ("104", "110.00"),  # same slope above target
        ("108", "120.00"),
        ("130", "120.00"),
    ],
)
def test_linear_from_zero_at_the_floor(actual: str, expected: str) -> None:
    rule = LinearRule(floor_percent=D(60), score_at_floor=D(0))
    assert score_indicator(rule, D(actual), D(100)) == D(expected)


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        ("0", "120.00"),  # zero cost overrun: unbounded attainment, capped
        ("80", "120.00"),  # 125 % → capped at 120
        ("95", "105.26"),  # 100/95 = 105.263…%
        ("100", "100.00"),
        ("125", "80.00"),
        ("166.66", "60.00"),  # 60.0024…%, just above the floor
        ("166.67", "0.00"),  # 59.998…%, just below the floor
        ("200", "0.00"),
    ],
)
def test_linear_lower_is_better(actual: str, expected: str) -> None:
    assert score_indicator(LinearRule(direction=LOWER), D(actual), D(100)) == D(expected)


def test_linear_needs_a_target() -> None:
    with pytest.raises(ScoringInputError, match="needs a target"):
        score_indicator(LinearRule(), D(1), None)


@pytest.mark.parametrize(
    "config",
    [
        {"type": "linear", "floor_percent": "100"},
        {"type": "linear", "floor_percent": "-1"},
        {"type": "linear", "cap": "99"},
        {"type": "linear", "cap": "250"},
        {"type": "linear", "score_at_floor": "101"},
        {"type": "linear", "floor_percent": 60.5},
        {"type": "linear", "unknown": "1"},
        {"type": "exponential"},
        {},
    ],
)
def test_invalid_linear_configuration_is_refused(config: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        parse_scoring_rule(config)


@given(st.decimals(min_value=-500, max_value=1000, places=3, allow_nan=False))
def test_linear_score_is_bounded(attainment: Decimal) -> None:
    score = score_indicator(LinearRule(), attainment, D(100))
    assert D(0) <= score <= D(120)
    assert score.as_tuple().exponent == -2


@given(positive, amounts, amounts)
def test_linear_is_monotonic_in_the_actual(target: Decimal, a: Decimal, b: Decimal) -> None:
    low, high = sorted((a, b))
    higher = LinearRule(floor_percent=D(50), score_at_floor=D(20), cap=D(150))
    assert score_indicator(higher, low, target) <= score_indicator(higher, high, target)
    lower = LinearRule(direction=LOWER)
    assert score_indicator(lower, low, target) >= score_indicator(lower, high, target)


@given(positive)
def test_meeting_the_target_exactly_scores_100(target: Decimal) -> None:
    for rule in (LinearRule(), LinearRule(direction=LOWER), LinearRule(score_at_floor=D(0))):
        assert score_indicator(rule, target, target) == D(100)


# --- banded ---------------------------------------------------------------------------------

COLLECTION_TABLE = {
    "type": "banded",
    "bands": [
        {"upper": "80", "score": "0"},
        {"lower": "80", "upper": "90", "score": "60"},
        {"lower": "90", "upper": "100", "score": "80"},
        {"lower": "100", "score": "100"},
    ],
}


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        ("0", "0.00"),
        ("79.99", "0.00"),
        ("80", "60.00"),  # lower bound inclusive
        ("89.99", "60.00"),
        ("90", "80.00"),
        ("100", "100.00"),  # upper bound exclusive
        ("250", "100.00"),
    ],
)
def test_banded_on_attainment(actual: str, expected: str) -> None:
    rule = parse_scoring_rule(COLLECTION_TABLE)
    assert isinstance(rule, BandedRule)
    assert score_indicator(rule, D(actual), D(100)) == D(expected)


def test_banded_on_the_actual_value_with_a_gap() -> None:
    # 投诉次数: 0 → 100, 1–2 → 80, 3–4 → gap (default 30), 5 or more → 0
    rule = parse_scoring_rule(
        {
            "type": "banded",
            "basis": "actual",
            "default_score": "30",
            "bands": [
                {"lower": "0", "upper": "1", "score": "100"},
                {"lower": "1", "upper": "3", "score": "80"},
                {"lower": "5", "score": "0"},
            ],
        }
    )
    scores = {n: score_indicator(rule, D(n), None) for n in range(7)}
    assert scores == {0: 100, 1: 80, 2: 80, 3: 30, 4: 30, 5: 0, 6: 0}
    assert score_indicator(rule, D(-1), None) == D(30)  # outside every band


def test_banded_lower_is_better_uses_inverse_attainment() -> None:
    rule = BandedRule.model_validate({**COLLECTION_TABLE, "direction": "lower_is_better"})
    assert score_indicator(rule, D(0), D(10)) == D(100)  # unbounded → the open top band
    assert score_indicator(rule, D(10), D(10)) == D(100)
    assert score_indicator(rule, D(11), D(10)) == D(80)  # 90.9 %
    assert score_indicator(rule, D(20), D(10)) == D(0)  # 50 %


def test_unbounded_attainment_without_an_open_top_band_scores_the_default() -> None:
    rule = BandedRule(
        direction=LOWER,
        bands=({"lower": D(0), "upper": D(100), "score": D(50)},),  # type: ignore[arg-type]
        default_score=D(7),
    )
    assert score_indicator(rule, D(0), D(10)) == D(7)


def test_banded_attainment_needs_a_target() -> None:
    with pytest.raises(ScoringInputError, match="needs a target"):
        score_indicator(parse_scoring_rule(COLLECTION_TABLE), D(1), None)


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ([], "at least 1"),
        ([{"lower": "0", "upper": "80", "score": "0"}, {"lower": "70", "score": "80"}], "overlap"),
        (
            [
                {"lower": "80", "upper": "90", "score": "60"},
                {"lower": "0", "upper": "80", "score": "0"},
            ],
            "ascending",
        ),
        ([{"lower": "0", "score": "0"}, {"lower": "80", "score": "80"}], "unbounded"),
        ([{"upper": "10", "score": "0"}, {"upper": "20", "score": "80"}], "unbounded"),
        ([{"lower": "10", "upper": "10", "score": "0"}], "below its upper"),
        ([{"lower": "0", "score": "201"}], "between 0 and 200"),
        ([{"lower": "0", "score": "-1"}], "between 0 and 200"),
    ],
)
def test_invalid_band_tables_are_refused(bands: list[dict[str, str]], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_scoring_rule({"type": "banded", "bands": bands})


@given(st.lists(st.integers(0, 1000), min_size=2, max_size=8, unique=True), st.data())
def test_valid_band_tables_give_exactly_one_band(bounds: list[int], data: st.DataObject) -> None:
    edges = sorted(bounds)
    bands = [
        {"lower": str(low), "upper": str(high), "score": str(i)}
        for i, (low, high) in enumerate(itertools.pairwise(edges))
    ]
    rule = parse_scoring_rule({"type": "banded", "basis": "actual", "bands": bands})
    value = data.draw(st.integers(edges[0], edges[-1] - 1))
    holding = [band for band in rule.bands if band.holds(D(value))]  # type: ignore[union-attr]
    assert len(holding) == 1
    assert score_indicator(rule, D(value), None) == holding[0].score


# --- pass/fail ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "actual", "expected"),
    [
        (HIGHER, "100", "100.00"),
        (HIGHER, "100.01", "100.00"),
        (HIGHER, "99.99", "0.00"),
        (LOWER, "100", "100.00"),
        (LOWER, "99.99", "100.00"),
        (LOWER, "100.01", "0.00"),
    ],
)
def test_pass_fail(direction: Direction, actual: str, expected: str) -> None:
    assert score_indicator(PassFailRule(direction=direction), D(actual), D(100)) == D(expected)


def test_pass_fail_custom_scores_and_validation() -> None:
    rule = parse_scoring_rule({"type": "pass_fail", "pass_score": "100", "fail_score": "40"})
    assert score_indicator(rule, D(0), D(1)) == D(40)
    with pytest.raises(ValidationError, match="must not exceed"):
        parse_scoring_rule({"type": "pass_fail", "pass_score": "50", "fail_score": "60"})
    with pytest.raises(ScoringInputError, match="needs a target"):
        score_indicator(rule, D(1), None)


# --- configuration ----------------------------------------------------------------------------


def test_parse_uses_the_indicator_direction() -> None:
    rule = parse_scoring_rule({"type": "linear", "direction": "higher_is_better"}, direction=LOWER)
    assert rule.direction is LOWER


def test_rules_round_trip_through_json() -> None:
    for rule in (
        LinearRule(floor_percent=D("60.5"), cap=D(110)),
        parse_scoring_rule(COLLECTION_TABLE),
        PassFailRule(direction=LOWER),
    ):
        document = rule.model_dump(mode="json")
        assert parse_scoring_rule(document) == rule
    assert LinearRule().model_dump(mode="json") == {
        "type": "linear",
        "direction": "higher_is_better",
        "floor_percent": "60",
        "score_at_floor": None,
        "cap": "120",
    }


def test_rules_are_frozen() -> None:
    with pytest.raises(ValidationError):
        LinearRule().cap = D(130)  # type: ignore[misc]


@given(
    st.sampled_from(
        [
            LinearRule(),
            LinearRule(direction=LOWER),
            PassFailRule(),
            parse_scoring_rule(COLLECTION_TABLE),
        ]
    ),
    amounts,
    positive,
)
def test_every_score_is_within_the_scale_with_two_places(
    rule: LinearRule | BandedRule | PassFailRule, actual: Decimal, target: Decimal
) -> None:
    score = score_indicator(rule, actual, target)
    assert D(0) <= score <= MAX_SCORE
    assert score.as_tuple().exponent == -2
    assert score_indicator(rule, actual, target) == score  # reproducible
