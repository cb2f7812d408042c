"""The metrics' ratios: percentages and means, rounded to the cent, undefined on nothing."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.clients.metrics.rules import mean_score, percentage


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (8, 10, Decimal("80.00")),
        (2, 3, Decimal("66.67")),
        (1, 3, Decimal("33.33")),
        (1, 8, Decimal("12.50")),
        (1, 200, Decimal("0.50")),
        (1, 400, Decimal("0.25")),
        (1, 800, Decimal("0.13")),  # 0.125 rounds half up
        (0, 5, Decimal("0.00")),
        (5, 5, Decimal("100.00")),
    ],
)
def test_percentage_by_hand(part: int, whole: int, expected: Decimal) -> None:
    assert percentage(part, whole) == expected


def test_percentage_of_nothing_is_undefined() -> None:
    assert percentage(0, 0) is None


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        percentage(-1, 3)


@given(st.integers(0, 10_000), st.integers(1, 10_000))
def test_percentage_is_within_half_a_cent(part: int, whole: int) -> None:
    rate = percentage(part, whole)
    assert rate is not None
    exact = Decimal(part) * 100 / Decimal(whole)
    assert abs(rate - exact) <= Decimal("0.005")
    assert rate == rate.quantize(Decimal("0.01"))


def test_mean_score_by_hand() -> None:
    assert mean_score(Decimal("9.00"), 2) == Decimal("4.50")
    assert mean_score(Decimal("13"), 3) == Decimal("4.33")
    assert mean_score(None, 0) is None
    assert mean_score(Decimal("0"), 0) is None


@given(st.lists(st.decimals(min_value=1, max_value=5, places=2), min_size=1, max_size=50))
def test_mean_lies_between_the_extremes(scores: list[Decimal]) -> None:
    mean = mean_score(sum(scores, Decimal(0)), len(scores))
    assert mean is not None
    assert min(scores) - Decimal("0.005") <= mean <= max(scores) + Decimal("0.005")
