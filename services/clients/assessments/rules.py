"""Pure rules of assessments: the overall score of scored dimensions."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

MIN_SCORE = Decimal("0")
MAX_SCORE = Decimal("5")
CENT = Decimal("0.01")


class RuleViolation(ValueError):
    """An assessment rule refused the input; the message says why."""


def overall_score(dimensions: Sequence[tuple[Decimal, Decimal | None]]) -> Decimal | None:
    """The weighted mean of ``(score, weight)`` pairs, to 0.01 (half up).

    A dimension without a weight weighs 1; when no dimension has a weight every dimension
    weighs the same. Weights are relative (they need not add up to 1 or 100). None when
    there is nothing to score. Refuses negative weights and weights that are all zero.
    """
    if not dimensions:
        return None
    weights = [Decimal(1) if weight is None else weight for _, weight in dimensions]
    if any(weight < 0 for weight in weights):
        raise RuleViolation("a dimension's weight cannot be negative")
    total = sum(weights, Decimal(0))
    if total == 0:
        raise RuleViolation("at least one dimension needs a weight above 0")
    weighted = sum(
        (score * weight for (score, _), weight in zip(dimensions, weights, strict=True)), Decimal(0)
    )
    return (weighted / total).quantize(CENT, ROUND_HALF_UP)
