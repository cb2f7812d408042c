from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.clients.assessments.rules import RuleViolation, overall_score

scores = st.integers(min_value=0, max_value=50).map(lambda tenths: Decimal(tenths) / 10)
weights = st.one_of(
    st.none(), st.integers(min_value=0, max_value=10000).map(lambda c: Decimal(c) / 100)
)


def test_equal_weights_without_weights() -> None:
    assert overall_score([(Decimal("4"), None), (Decimal("3"), None)]) == Decimal("3.50")


def test_weighted_mean() -> None:
    assert overall_score([(Decimal("4.5"), Decimal("2")), (Decimal("3"), Decimal("1"))]) == (
        Decimal("4.00")
    )
    # a missing weight counts as 1 next to given ones
    assert overall_score([(Decimal("5"), Decimal("3")), (Decimal("1"), None)]) == Decimal("4.00")


def test_rounding_half_up_to_cents() -> None:
    assert overall_score([(Decimal("1"), None)] * 2 + [(Decimal("2"), None)]) == Decimal("1.33")
    assert overall_score([(Decimal("4.5"), Decimal("1")), (Decimal("4"), Decimal("7"))]) == (
        Decimal("4.06")  # 4.0625 → 4.06
    )


def test_nothing_to_score() -> None:
    assert overall_score([]) is None


@pytest.mark.parametrize(
    "dimensions",
    [
        [(Decimal("3"), Decimal("0")), (Decimal("4"), Decimal("0"))],
        [(Decimal("3"), Decimal("-1"))],
    ],
)
def test_bad_weights_are_refused(dimensions: list[tuple[Decimal, Decimal]]) -> None:
    with pytest.raises(RuleViolation):
        overall_score(dimensions)


@given(st.lists(st.tuples(scores, weights), min_size=1, max_size=30))
def test_overall_is_within_the_scores(dimensions: list[tuple[Decimal, Decimal | None]]) -> None:
    if all(weight == 0 for _, weight in dimensions):
        with pytest.raises(RuleViolation):
            overall_score(dimensions)
        return
    result = overall_score(dimensions)
    assert result is not None
    assert min(s for s, _ in dimensions) <= result <= max(s for s, _ in dimensions)
    assert result == result.quantize(Decimal("0.01"))


@given(scores, st.integers(min_value=1, max_value=30))
def test_same_score_everywhere_is_that_score(score: Decimal, count: int) -> None:
    assert overall_score([(score, None)] * count) == score.quantize(Decimal("0.01"))
