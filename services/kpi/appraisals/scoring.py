"""Scoring of one appraisal sheet from its recorded inputs (rules applied to stored items).

An indicator item scores by its frozen rule from its actual and target unless the manager
adjusted it (then the adjusted score stands, with its reason); a qualitative item scores
the manager's rating on its scale. The final score is the weighted sum (templates.rules).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from services.kpi.indicators.rules import ScoringInputError, parse_scoring_rule, score_indicator
from services.kpi.templates.rules import RatedItem, RatingScale, ScoredItem, weighted_score


class SheetNotScorableError(ValueError):
    """An item lacks what it needs to be scored (an actual, a target, a rating)."""


@dataclass(frozen=True, slots=True)
class SheetLine:
    """What scoring needs of one appraisal item."""

    key: str
    kind: str
    weight: Decimal
    target: Decimal | None
    actual: Decimal | None
    scoring_rule: dict[str, Any] | None
    rating_scale: dict[str, Any] | None
    manager_rating: Decimal | None
    adjusted_score: Decimal | None


def line_score(line: SheetLine) -> Decimal:
    """The 0–200 score of one line, or :class:`SheetNotScorableError` naming what is missing."""
    if line.kind == "qualitative":
        if line.manager_rating is None:
            raise SheetNotScorableError(f"item {line.key} has no manager rating")
        return RatedItem(line.key, line.weight, line.manager_rating, _scale(line)).score
    if line.adjusted_score is not None:
        return line.adjusted_score
    if line.actual is None:
        raise SheetNotScorableError(f"item {line.key} has no actual value yet")
    if line.scoring_rule is None:
        raise SheetNotScorableError(f"item {line.key} has no scoring rule")
    try:
        return score_indicator(parse_scoring_rule(line.scoring_rule), line.actual, line.target)
    except ScoringInputError as exc:
        raise SheetNotScorableError(f"item {line.key}: {exc}") from exc


def _scale(line: SheetLine) -> RatingScale:
    return RatingScale.model_validate(line.rating_scale or {})


def sheet_scores(lines: Sequence[SheetLine]) -> tuple[dict[str, Decimal], Decimal]:
    """Each line's score and the weighted final score (rounded once, to 0.01)."""
    scores = {line.key: line_score(line) for line in lines}
    total = weighted_score([ScoredItem(line.key, line.weight, scores[line.key]) for line in lines])
    return scores, total
