"""Template rules: weights totalling exactly 100, rating scales, the weighted final score."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from services.kpi.templates.rules import (
    RatedItem,
    RatingOutOfScaleError,
    RatingScale,
    ScoredItem,
    WeightsError,
    duty_links_not_in_description,
    rating_to_score,
    validate_weights,
    weighted_score,
)

D = Decimal
FIVE_POINT = RatingScale()


# --- weights ------------------------------------------------------------------------------


def test_weights_totalling_100_pass() -> None:
    assert validate_weights({"sales": D(40), "collection": D(30), "visits": D(30)}) == D(100)
    assert validate_weights({"a": D("33.33"), "b": D("33.33"), "c": D("33.34")}) == D(100)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"a": D(40), "b": D("59.5")}, r"got 99\.5 \(0\.5 short\)"),
        ({"a": D(60), "b": D(45)}, r"got 105 \(5 over\)"),
        ({"a": D("33.33"), "b": D("33.33"), "c": D("33.33")}, r"got 99\.99 \(0\.01 short\)"),
        ({"a": D(100), "b": D(0)}, "weight of 'b' must be greater than 0, got 0"),
        ({"a": D(110), "b": D(-10)}, "weight of 'b' must be greater than 0"),
        ({}, "at least one"),
        ({"a": 100.0}, "float"),
        ({"a": D("NaN")}, "weight of 'a'"),
    ],
)
def test_bad_weights_are_named_precisely(weights: dict[str, Decimal], message: str) -> None:
    with pytest.raises(WeightsError, match=message):
        validate_weights(weights)


@given(st.lists(st.integers(1, 10_000), min_size=1, max_size=15))
def test_only_an_exact_total_of_100_passes(hundredths: list[int]) -> None:
    weights = {f"i{n}": D(h) / 100 for n, h in enumerate(hundredths)}
    total = sum(weights.values(), D(0))
    if total == 100:
        assert validate_weights(weights) == D(100)
    else:
        with pytest.raises(WeightsError, match=f"got {total}"):
            validate_weights(weights)


# --- rating scales ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rating", "expected"),
    [(1, "0.00"), (2, "25.00"), (3, "50.00"), (4, "75.00"), (5, "100.00")],
)
def test_five_point_scale(rating: int, expected: str) -> None:
    assert rating_to_score(rating, FIVE_POINT) == D(expected)


def test_scale_with_half_steps_and_rounding() -> None:
    ten = RatingScale(minimum=D(0), maximum=D(10), step=D("0.5"))
    assert rating_to_score(D("7.5"), ten) == D("75.00")
    three = RatingScale(minimum=D(1), maximum=D(4), step=D(1))
    assert rating_to_score(2, three) == D("33.33")
    assert rating_to_score(3, three) == D("66.67")  # 66.666… rounds half up
    free = RatingScale(minimum=D(0), maximum=D(100), step=None)
    assert rating_to_score(D("87.125"), free) == D("87.13")


@pytest.mark.parametrize(
    ("rating", "message"),
    [
        (D(0), "outside the scale 1–5"),
        (D(6), "outside the scale 1–5"),
        (D("3.5"), "not on the scale's steps"),
        (3.0, "float"),
    ],
)
def test_ratings_outside_the_scale_are_refused(rating: Decimal, message: str) -> None:
    with pytest.raises(RatingOutOfScaleError, match=message):
        rating_to_score(rating, FIVE_POINT)


@pytest.mark.parametrize(
    "config",
    [
        {"minimum": "5", "maximum": "1"},
        {"minimum": "1", "maximum": "1"},
        {"minimum": "1", "maximum": "5", "step": "0"},
        {"minimum": "1", "maximum": "5", "step": "3"},
        {"minimum": 1.0, "maximum": "5"},
    ],
)
def test_invalid_scales_are_refused(config: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        RatingScale.model_validate(config)


# --- weighted score -----------------------------------------------------------------------


def test_hand_computed_monthly_sheet() -> None:
    # 客户专员月度考核表
    #   sales attainment    40 × 84.45  = 3378.00
    #   collection rate     25 × 100.00 = 2500.00
    #   visits vs plan      15 × 92.31  = 1384.65
    #   satisfaction        10 × 75.00  =  750.00  (rating 4 on 1–5)
    #   teamwork            10 × 50.00  =  500.00  (rating 3 on 1–5)
    #                                     8512.65 / 100 = 85.1265 → 85.13
    items = [
        ScoredItem("sales", D(40), D("84.45")),
        ScoredItem("collection", D(25), D("100.00")),
        ScoredItem("visits", D(15), D("92.31")),
        RatedItem("satisfaction", D(10), D(4), FIVE_POINT),
        RatedItem("teamwork", D(10), D(3), FIVE_POINT),
    ]
    assert weighted_score(items) == D("85.13")


def test_rounding_is_half_up_and_only_at_the_end() -> None:
    # 50 × 80.01 + 50 × 80.00 = 8000.50 → 80.005 → 80.01 (half up, not to even)
    items = [ScoredItem("a", D(50), D("80.01")), ScoredItem("b", D(50), D("80.00"))]
    assert weighted_score(items) == D("80.01")
    # three thirds of 33.333…: item scores are not rounded before weighting
    thirds = [ScoredItem(k, D("33.33"), D(90)) for k in "ab"] + [ScoredItem("c", D("33.34"), D(90))]
    assert weighted_score(thirds) == D("90.00")


def test_over_achievement_can_lift_the_final_score_above_100() -> None:
    items = [ScoredItem("sales", D(60), D(120)), ScoredItem("visits", D(40), D(100))]
    assert weighted_score(items) == D("112.00")


@pytest.mark.parametrize(
    ("items", "error", "message"),
    [
        ([ScoredItem("a", D(50), D(80))], WeightsError, "got 50"),
        (
            [ScoredItem("a", D(50), D(80)), ScoredItem("a", D(50), D(80))],
            WeightsError,
            "more than once",
        ),
        ([ScoredItem("a", D(100), D(-1))], ValueError, "between 0 and 200"),
        ([ScoredItem("a", D(100), D(201))], ValueError, "between 0 and 200"),
        ([RatedItem("q", D(100), D(9), FIVE_POINT)], RatingOutOfScaleError, "outside"),
        ([], WeightsError, "at least one"),
    ],
)
def test_weighted_score_refuses_bad_sheets(
    items: list[ScoredItem | RatedItem], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        weighted_score(items)


@st.composite
def sheets(draw: st.DrawFn) -> list[ScoredItem]:
    count = draw(st.integers(1, 10))
    cuts = sorted(
        draw(st.lists(st.integers(1, 9999), min_size=count - 1, max_size=count - 1, unique=True))
    )
    edges = [0, *cuts, 10_000]
    weights = [D(high - low) / 100 for low, high in itertools.pairwise(edges)]
    scores = draw(
        st.lists(st.decimals(min_value=0, max_value=120, places=2), min_size=count, max_size=count)
    )
    return [ScoredItem(f"i{n}", w, s) for n, (w, s) in enumerate(zip(weights, scores, strict=True))]


@given(sheets())
def test_final_score_lies_between_the_lowest_and_highest_item(items: list[ScoredItem]) -> None:
    final = weighted_score(items)
    assert min(i.score for i in items) <= final <= max(i.score for i in items)
    assert final.as_tuple().exponent == -2
    assert weighted_score(list(reversed(items))) == final


@given(sheets(), st.decimals(min_value=0, max_value=120, places=2))
def test_equal_scores_give_that_score(items: list[ScoredItem], score: Decimal) -> None:
    same = [ScoredItem(i.key, i.weight, score) for i in items]
    assert weighted_score(same) == score


# --- duty links against the approved description ----------------------------------------------

_DUTIES = {"开发和维护所辖大客户": 1, "协助对账和催款": 2}


def test_unknown_statement_wrong_rank_and_no_description_are_named() -> None:
    links = {"a": (1, "开发和维护所辖大客户"), "b": (1, "不存在的职责"), "c": (1, "协助对账和催款")}
    # a matches duty 1; b is no duty; c is duty 2, not 1.
    assert duty_links_not_in_description(links, _DUTIES) == ["b", "c"]
    assert duty_links_not_in_description(links, None) == ["a", "b", "c"]


@given(st.dictionaries(st.text(min_size=1, max_size=5), st.sampled_from(sorted(_DUTIES))))
def test_links_copied_from_the_description_always_match(keys: dict[str, str]) -> None:
    links = {key: (_DUTIES[statement], statement) for key, statement in keys.items()}
    assert duty_links_not_in_description(links, _DUTIES) == []
