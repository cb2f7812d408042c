"""Rules of appraisal templates (考核表): weights, rating scales and the weighted score.

A template lists items, each with a weight; the weights total exactly 100. Quantitative
items carry the score their indicator's rule gave; qualitative items carry a reviewer's
rating on a :class:`RatingScale`, mapped linearly onto 0–100. The final score is
``Σ weight × item score / 100``, rounded once to 0.01 (ROUND_HALF_UP) from the item scores
as they are shown (two places), so anyone can recompute it from the appraisal sheet.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from typing import Self, TypeVar

from pydantic import BaseModel, ConfigDict, model_validator

from services.kpi.indicators.rules import MAX_SCORE
from shared.money import ExactDecimal, parse_exact_decimal

__all__ = [
    "TOTAL_WEIGHT",
    "RatedItem",
    "RatingOutOfScaleError",
    "RatingScale",
    "ScoredItem",
    "WeightsError",
    "duty_links_not_in_description",
    "rating_to_score",
    "validate_weights",
    "weighted_score",
]

TOTAL_WEIGHT = Decimal(100)
"""What the weights of a template must add up to, exactly."""

_HUNDRED = Decimal(100)
_SCORE_PLACES = Decimal("0.01")

K = TypeVar("K", bound=Hashable)


class WeightsError(ValueError):
    """The weights of a template are not positive numbers totalling exactly 100."""


class RatingOutOfScaleError(ValueError):
    """A reviewer's rating is outside its scale or between its steps."""


def _decimal(value: object, what: str, error: type[ValueError]) -> Decimal:
    try:
        return parse_exact_decimal(value)
    except ValueError as exc:
        raise error(f"{what}: {exc}") from exc


def validate_weights(weights: Mapping[K, Decimal]) -> Decimal:
    """Check that every weight is positive and that they total exactly 100; return the total.

    The error names the offending item or the actual total and how far it is from 100,
    e.g. ``weights must total exactly 100, got 99.5 (0.5 short)``.
    """
    if not weights:
        raise WeightsError("a template needs at least one weighted item")
    total = Decimal(0)
    for key, raw in weights.items():
        weight = _decimal(raw, f"weight of {key!r}", WeightsError)
        if weight <= 0:
            raise WeightsError(f"weight of {key!r} must be greater than 0, got {weight}")
        total += weight
    if total != TOTAL_WEIGHT:
        gap = TOTAL_WEIGHT - total
        how = f"{gap} short" if gap > 0 else f"{-gap} over"
        raise WeightsError(f"weights must total exactly 100, got {total} ({how})")
    return total


class RatingScale(BaseModel):
    """A reviewer's rating scale, e.g. 1–5 in steps of 1, mapped linearly onto 0–100.

    ``minimum`` scores 0 and ``maximum`` scores 100; with a ``step`` only ratings on the
    steps (``minimum + n × step``) are accepted.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    minimum: ExactDecimal = Decimal(1)
    maximum: ExactDecimal = Decimal(5)
    step: ExactDecimal | None = Decimal(1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.minimum >= self.maximum:
            raise ValueError(
                f"scale minimum {self.minimum} must be below its maximum {self.maximum}"
            )
        if self.step is not None:
            if self.step <= 0:
                raise ValueError(f"scale step must be positive, got {self.step}")
            if (self.maximum - self.minimum) % self.step != 0:
                raise ValueError(
                    f"scale step {self.step} does not divide the range "
                    f"{self.minimum}–{self.maximum}"
                )
        return self


def rating_to_score(rating: Decimal | int, scale: RatingScale) -> Decimal:
    """Map a rating onto 0–100, rounded to 0.01 (ROUND_HALF_UP): on 1–5, 4 → 75.00.

    Raises :class:`RatingOutOfScaleError` for a rating outside the scale or off its steps.
    """
    value = _decimal(rating, "rating", RatingOutOfScaleError)
    if not scale.minimum <= value <= scale.maximum:
        raise RatingOutOfScaleError(
            f"rating {value} is outside the scale {scale.minimum}–{scale.maximum}"
        )
    if scale.step is not None and (value - scale.minimum) % scale.step != 0:
        raise RatingOutOfScaleError(
            f"rating {value} is not on the scale's steps of {scale.step} from {scale.minimum}"
        )
    with localcontext(prec=28, rounding=ROUND_HALF_EVEN):
        score = (value - scale.minimum) / (scale.maximum - scale.minimum) * _HUNDRED
        return score.quantize(_SCORE_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class ScoredItem:
    """A quantitative item: its weight and the score its indicator's rule gave (0–200)."""

    key: str
    weight: Decimal
    score: Decimal


@dataclass(frozen=True, slots=True)
class RatedItem:
    """A qualitative item: its weight and the reviewer's rating on ``scale``."""

    key: str
    weight: Decimal
    rating: Decimal
    scale: RatingScale

    @property
    def score(self) -> Decimal:
        """The rating mapped onto 0–100."""
        return rating_to_score(self.rating, self.scale)


def weighted_score(items: Sequence[ScoredItem | RatedItem]) -> Decimal:
    """The final score ``Σ weight × score / 100``, rounded to 0.01 with ROUND_HALF_UP.

    Weights must pass :func:`validate_weights`; item keys must be unique; item scores must
    be between 0 and 200. Only the final sum is rounded.
    """
    weights: dict[str, Decimal] = {}
    for item in items:
        if item.key in weights:
            raise WeightsError(f"item {item.key!r} appears more than once")
        weights[item.key] = item.weight
    validate_weights(weights)
    with localcontext(prec=28, rounding=ROUND_HALF_EVEN):
        total = Decimal(0)
        for item in items:
            score = _decimal(item.score, f"score of {item.key!r}", ValueError)
            if not 0 <= score <= MAX_SCORE:
                raise ValueError(
                    f"score of {item.key!r} must be between 0 and {MAX_SCORE}, got {score}"
                )
            total += item.weight * score
        return (total / _HUNDRED).quantize(_SCORE_PLACES, rounding=ROUND_HALF_UP)


def duty_links_not_in_description(
    links: Mapping[str, tuple[int, str]], duties: Mapping[str, int] | None
) -> list[str]:
    """Keys of items whose duty link is not a duty of the position's approved description.

    ``links`` maps item key → (importance, statement) as the template cites it; ``duties``
    maps each duty statement of the description in force to its importance (``None``: the
    position has no approved description, so every link is unknown). A link matches when
    the statement is the description's and its importance is that duty's rank.
    """
    known = duties or {}
    return [
        key for key, (importance, statement) in links.items() if known.get(statement) != importance
    ]
