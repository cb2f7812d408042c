"""Scoring rules of the indicator library: pure functions over Decimal, no I/O.

A rule turns an indicator's actual value and target into a score on the 0–100 scale
(higher with a cap for over-achievement). Rules are configuration, stored as JSON on the
indicator and read with :func:`parse_scoring_rule`; the ``type`` field chooses the kind:

- ``linear``: attainment-proportional with a floor and a cap, e.g. 0 below 60 % of target,
  100 at target, at most 120 (:class:`LinearRule`);
- ``banded``: a step table over attainment or over the actual value (:class:`BandedRule`);
- ``pass_fail``: full marks when the target is met, nothing otherwise (:class:`PassFailRule`).

**Attainment** (完成率) is a percentage. Higher is better: ``actual / target × 100``, which
needs a positive target. Lower is better (costs, complaints, churn): ``target / actual ×
100``, so half the allowed complaints is 200 %; an actual of zero beats any positive target
by an unbounded margin (``None``, scored as the rule's best), and a zero target met by a
zero actual is exactly 100 %. Negative actuals for a lower-is-better indicator are refused.

Scores are rounded once, at the end, to two places with ROUND_HALF_UP, inside a fixed
decimal context so that the same inputs give the same score on every machine.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Any, Literal, Self, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from shared.money import ExactDecimal, parse_exact_decimal

__all__ = [
    "MAX_SCORE",
    "Band",
    "BandedRule",
    "Direction",
    "LinearRule",
    "PassFailRule",
    "ScoringInputError",
    "ScoringRule",
    "attainment_percent",
    "parse_scoring_rule",
    "score_indicator",
]

MAX_SCORE = Decimal(200)
"""No rule may award more than this (caps for over-achievement stay well below)."""

_HUNDRED = Decimal(100)
_ZERO = Decimal(0)
_SCORE_PLACES = Decimal("0.01")


class Direction(StrEnum):
    """Whether a larger actual value is better (revenue) or worse (complaints, cost)."""

    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


class ScoringInputError(ValueError):
    """The actual or target cannot be scored by the rule (e.g. a zero target for a ratio)."""


def _check_score(value: Decimal, name: str) -> None:
    if not _ZERO <= value <= MAX_SCORE:
        raise ValueError(f"{name} must be between 0 and {MAX_SCORE}, got {value}")


def _tag_required(schema: dict[str, Any]) -> None:
    """The union is told apart by ``type``, so a rule must name it even where it has a
    default: the contract says so, as the validator does."""
    if "type" in schema.get("properties", {}):
        schema["required"] = ["type", *schema.get("required", [])]


class _RuleBase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=_tag_required)


class LinearRule(_RuleBase):
    """Score proportional to attainment, with a floor and a cap.

    Below ``floor_percent`` attainment the score is 0. From the floor the score rises in a
    straight line through ``(floor_percent, score_at_floor)`` and ``(100, 100)`` and keeps
    the same slope above target until it reaches ``cap``. By default ``score_at_floor``
    equals ``floor_percent``, so the score is simply the attainment: 60 % → 60, 95 % → 95,
    130 % → 120 with the default cap.
    """

    type: Literal["linear"] = "linear"
    direction: Direction = Direction.HIGHER_IS_BETTER
    floor_percent: ExactDecimal = Decimal(60)
    score_at_floor: ExactDecimal | None = None
    cap: ExactDecimal = Decimal(120)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if not _ZERO <= self.floor_percent < _HUNDRED:
            raise ValueError(
                f"floor_percent must be at least 0 and below 100, got {self.floor_percent}"
            )
        if self.score_at_floor is not None and not _ZERO <= self.score_at_floor <= _HUNDRED:
            raise ValueError(f"score_at_floor must be between 0 and 100, got {self.score_at_floor}")
        if not _HUNDRED <= self.cap <= MAX_SCORE:
            raise ValueError(f"cap must be between 100 and {MAX_SCORE}, got {self.cap}")
        return self

    @property
    def effective_score_at_floor(self) -> Decimal:
        """The score at exactly the floor attainment."""
        return self.floor_percent if self.score_at_floor is None else self.score_at_floor


class Band(_RuleBase):
    """One step of a table: values in ``[lower, upper)`` score ``score``.

    ``lower=None`` is unbounded below, ``upper=None`` unbounded above.
    """

    lower: ExactDecimal | None = None
    upper: ExactDecimal | None = None
    score: ExactDecimal

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.lower is not None and self.upper is not None and self.lower >= self.upper:
            raise ValueError(f"band lower {self.lower} must be below its upper {self.upper}")
        _check_score(self.score, "band score")
        return self

    def holds(self, value: Decimal | None) -> bool:
        """Whether ``value`` falls in the band; ``None`` (unbounded attainment) is above all."""
        if value is None:
            return self.upper is None
        above_lower = self.lower is None or value >= self.lower
        below_upper = self.upper is None or value < self.upper
        return above_lower and below_upper


class BandedRule(_RuleBase):
    """A step table over attainment (``basis="attainment"``, in %) or the actual value.

    Bands are listed in ascending order and must not overlap; a value in a gap between
    bands, or outside all of them, scores ``default_score``.
    """

    type: Literal["banded"] = "banded"
    direction: Direction = Direction.HIGHER_IS_BETTER
    basis: Literal["attainment", "actual"] = "attainment"
    bands: tuple[Band, ...] = Field(min_length=1, max_length=50)
    default_score: ExactDecimal = _ZERO

    @model_validator(mode="after")
    def _ordered_and_disjoint(self) -> Self:
        _check_score(self.default_score, "default_score")
        for position, (lower_band, upper_band) in enumerate(pairwise(self.bands), start=1):
            if lower_band.upper is None or upper_band.lower is None:
                raise ValueError(
                    f"bands {position} and {position + 1} overlap: only the first band may be "
                    "unbounded below and only the last unbounded above"
                )
            if upper_band.lower < lower_band.upper:
                raise ValueError(
                    f"bands must be in ascending order without overlap: band {position + 1} "
                    f"starts at {upper_band.lower}, before band {position} ends at "
                    f"{lower_band.upper}"
                )
        return self


class PassFailRule(_RuleBase):
    """``pass_score`` when the target is met (reached, or not exceeded if lower is better)."""

    type: Literal["pass_fail"] = "pass_fail"
    direction: Direction = Direction.HIGHER_IS_BETTER
    pass_score: ExactDecimal = _HUNDRED
    fail_score: ExactDecimal = _ZERO

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _check_score(self.pass_score, "pass_score")
        _check_score(self.fail_score, "fail_score")
        if self.fail_score > self.pass_score:
            raise ValueError("fail_score must not exceed pass_score")
        return self


ScoringRule: TypeAlias = Annotated[
    LinearRule | BandedRule | PassFailRule, Field(discriminator="type")
]
"""Any scoring rule; the ``type`` field (``linear``, ``banded``, ``pass_fail``) tells which."""

_SCORING_RULE: TypeAdapter[LinearRule | BandedRule | PassFailRule] = TypeAdapter(ScoringRule)


def parse_scoring_rule(
    data: Mapping[str, Any], *, direction: Direction | None = None
) -> LinearRule | BandedRule | PassFailRule:
    """Read a rule from its stored JSON form; raises pydantic's ValidationError if invalid.

    ``direction``, when given (the indicator's own), replaces any direction in ``data`` so
    the rule and its indicator cannot disagree.
    """
    payload = dict(data)
    if direction is not None:
        payload["direction"] = direction
    return _SCORING_RULE.validate_python(payload)


def _finite(value: Decimal | int, name: str) -> Decimal:
    try:
        return parse_exact_decimal(value)
    except ValueError as exc:
        raise ScoringInputError(f"{name}: {exc}") from exc


def attainment_percent(
    actual: Decimal, target: Decimal, direction: Direction = Direction.HIGHER_IS_BETTER
) -> Decimal | None:
    """Attainment (完成率) in percent, unrounded; ``None`` when unbounded.

    Higher is better: ``actual / target × 100`` (target must be positive). Lower is better:
    ``target / actual × 100`` with ``actual`` and ``target`` non-negative; a zero actual
    against a positive target is unbounded (``None``), against a zero target exactly 100.
    """
    actual = _finite(actual, "actual")
    target = _finite(target, "target")
    with localcontext(prec=28, rounding=ROUND_HALF_EVEN):
        if direction is Direction.HIGHER_IS_BETTER:
            if target <= 0:
                raise ScoringInputError(
                    f"a higher-is-better attainment needs a positive target, got {target}"
                )
            return actual / target * _HUNDRED
        if target < 0 or actual < 0:
            raise ScoringInputError(
                "a lower-is-better attainment needs a non-negative actual and target, "
                f"got actual {actual} and target {target}"
            )
        if actual == 0:
            return _HUNDRED if target == 0 else None
        return target / actual * _HUNDRED


def _linear_score(rule: LinearRule, attainment: Decimal | None) -> Decimal:
    if attainment is None:
        return rule.cap
    if attainment < rule.floor_percent:
        return _ZERO
    at_floor = rule.effective_score_at_floor
    slope = (_HUNDRED - at_floor) / (_HUNDRED - rule.floor_percent)
    return min(at_floor + (attainment - rule.floor_percent) * slope, rule.cap)


def _banded_score(rule: BandedRule, actual: Decimal, target: Decimal | None) -> Decimal:
    if rule.basis == "actual":
        value: Decimal | None = actual
    else:
        if target is None:
            raise ScoringInputError("a banded rule on attainment needs a target")
        value = attainment_percent(actual, target, rule.direction)
    for band in rule.bands:
        if band.holds(value):
            return band.score
    return rule.default_score


def _passed(rule: PassFailRule, actual: Decimal, target: Decimal) -> bool:
    if rule.direction is Direction.HIGHER_IS_BETTER:
        return actual >= target
    return actual <= target


def score_indicator(
    rule: LinearRule | BandedRule | PassFailRule, actual: Decimal, target: Decimal | None
) -> Decimal:
    """The score of one indicator, rounded to 0.01 with ROUND_HALF_UP.

    ``target`` may be ``None`` only for a banded rule on the actual value. Raises
    :class:`ScoringInputError` for inputs the rule cannot score (a float, a missing or zero
    target for a ratio, a negative actual for a lower-is-better ratio).
    """
    actual = _finite(actual, "actual")
    checked_target = None if target is None else _finite(target, "target")
    with localcontext(prec=28, rounding=ROUND_HALF_EVEN):
        if isinstance(rule, BandedRule):
            raw = _banded_score(rule, actual, checked_target)
        elif checked_target is None:
            raise ScoringInputError(f"a {rule.type} rule needs a target")
        elif isinstance(rule, LinearRule):
            raw = _linear_score(rule, attainment_percent(actual, checked_target, rule.direction))
        else:
            raw = rule.pass_score if _passed(rule, actual, checked_target) else rule.fail_score
        return raw.quantize(_SCORE_PLACES, rounding=ROUND_HALF_UP)
