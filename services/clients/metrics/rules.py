"""Pure rules of the KPI metrics: the ratios computed from the period's counts."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

HUNDREDTH = Decimal("0.01")


def percentage(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """``part`` as a percentage of ``whole`` to 0.01 (half up); None when ``whole`` is 0.

    A rate of nothing is undefined, not 0 and not 100: KPI then has no actual for the
    indicator instead of a made-up one.
    """
    if whole < 0 or part < 0:
        raise ValueError(f"counts cannot be negative (part {part}, whole {whole})")
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(HUNDREDTH, ROUND_HALF_UP)


def mean_score(total: Decimal | None, count: int) -> Decimal | None:
    """The mean of ``count`` scores summing to ``total``, to 0.01 (half up); None if none."""
    if count == 0 or total is None:
        return None
    return (total / count).quantize(HUNDREDTH, ROUND_HALF_UP)
