"""Rules of appraisals: grades, grade distributions, bonus factors and the review workflow.

- **Grades** come from configurable bands over the final score, highest first, e.g.
  S ≥ 95, A ≥ 85, B ≥ 70, C ≥ 60, else D (:data:`DEFAULT_GRADE_SCALE`).
- **Distribution** (强制分布): per group, how many people got each grade, and which grades
  exceed a target maximum share, e.g. at most 10 % S and 20 % A.
- **Bonus**: a configurable coefficient per grade gives each employee's bonus factor.
- **Workflow**: the cycle's states and each appraisal's states, with their allowed
  transitions as data; :func:`assert_transition` refuses a move out of order.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from itertools import pairwise
from types import MappingProxyType
from typing import Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.kpi.indicators.rules import MAX_SCORE
from shared.money import ExactDecimal, Money, parse_exact_decimal

__all__ = [
    "APPRAISAL_TRANSITIONS",
    "CYCLE_TRANSITIONS",
    "DEFAULT_BONUS_COEFFICIENTS",
    "DEFAULT_GRADE_SCALE",
    "FINISHED_FOR_CLOSING",
    "AppraisalState",
    "CycleState",
    "DistributionViolation",
    "GradeBand",
    "GradeScale",
    "InvalidTransitionError",
    "UnfinishedAppraisalsError",
    "allowed_transitions",
    "assert_cycle_can_close",
    "assert_transition",
    "bonus_amount",
    "bonus_factor",
    "distribution_by_group",
    "distribution_violations",
    "grade_counts",
    "grade_for_score",
    "grade_outside_band",
    "may_enter_actual",
    "worsened_grades",
]

G = TypeVar("G", bound=Hashable)
K = TypeVar("K", bound=Hashable)

_HUNDRED = Decimal(100)


# --- grades ---------------------------------------------------------------------------------


class GradeBand(BaseModel):
    """A grade and the lowest final score that earns it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    grade: str = Field(min_length=1, max_length=10)
    min_score: ExactDecimal


class GradeScale(BaseModel):
    """Grade bands from the highest down, and the grade for any score below the last band.

    Bands must be in strictly descending order of ``min_score``; grades must be unique.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    bands: tuple[GradeBand, ...] = Field(min_length=1)
    lowest_grade: str = Field(default="D", min_length=1, max_length=10)

    @model_validator(mode="after")
    def _descending_and_unique(self) -> Self:
        for higher, lower in pairwise(self.bands):
            if lower.min_score >= higher.min_score:
                raise ValueError(
                    "grade bands must be in strictly descending order of min_score: "
                    f"{lower.grade} ({lower.min_score}) follows {higher.grade} "
                    f"({higher.min_score})"
                )
        for band in self.bands:
            if not 0 < band.min_score <= MAX_SCORE:
                raise ValueError(
                    f"min_score of grade {band.grade} must be above 0 and at most {MAX_SCORE}, "
                    f"got {band.min_score}"
                )
        if len(set(self.grades)) != len(self.grades):
            raise ValueError(f"grades must be unique, got {list(self.grades)}")
        return self

    @property
    def grades(self) -> tuple[str, ...]:
        """Every grade, best first, the lowest grade last."""
        return (*(band.grade for band in self.bands), self.lowest_grade)


DEFAULT_GRADE_SCALE = GradeScale(
    bands=(
        GradeBand(grade="S", min_score=Decimal(95)),
        GradeBand(grade="A", min_score=Decimal(85)),
        GradeBand(grade="B", min_score=Decimal(70)),
        GradeBand(grade="C", min_score=Decimal(60)),
    ),
    lowest_grade="D",
)
"""S ≥ 95, A ≥ 85, B ≥ 70, C ≥ 60, else D."""


def grade_for_score(score: Decimal, scale: GradeScale = DEFAULT_GRADE_SCALE) -> str:
    """The grade of a final score: the first band whose ``min_score`` it reaches.

    With the default scale 95.00 → S, 94.99 → A, 59.99 → D. A negative or non-finite score
    raises ValueError.
    """
    value = parse_exact_decimal(score)
    if not 0 <= value <= MAX_SCORE:
        raise ValueError(f"a final score must be between 0 and {MAX_SCORE}, got {value}")
    for band in scale.bands:
        if value >= band.min_score:
            return band.grade
    return scale.lowest_grade


def grade_outside_band(score: Decimal, grade: str, scale: GradeScale = DEFAULT_GRADE_SCALE) -> bool:
    """Whether ``grade`` contradicts the band of ``score`` (e.g. 100.90 graded B: it is S).

    Calibration and appeals may give such a grade only with an explicit override and a reason.
    """
    return grade != grade_for_score(score, scale)


def grade_counts(grades: Iterable[str], scale: GradeScale = DEFAULT_GRADE_SCALE) -> dict[str, int]:
    """How many of ``grades`` fall in each grade of ``scale`` (every grade listed, best first).

    A grade not in the scale raises ValueError.
    """
    counts = dict.fromkeys(scale.grades, 0)
    for grade in grades:
        if grade not in counts:
            raise ValueError(f"grade {grade!r} is not one of {list(scale.grades)}")
        counts[grade] += 1
    return counts


def distribution_by_group(
    graded: Iterable[tuple[G, str]], scale: GradeScale = DEFAULT_GRADE_SCALE
) -> dict[G, dict[str, int]]:
    """Grade counts per group (team, department) from ``(group, grade)`` pairs."""
    by_group: dict[G, list[str]] = {}
    for group, grade in graded:
        by_group.setdefault(group, []).append(grade)
    return {group: grade_counts(grades, scale) for group, grades in by_group.items()}


@dataclass(frozen=True, slots=True)
class DistributionViolation:
    """A grade given to more people than its target share allows."""

    grade: str
    count: int
    total: int
    share_percent: Decimal
    max_share_percent: Decimal
    max_count: int

    @property
    def excess(self) -> int:
        """How many people would have to move out of this grade."""
        return self.count - self.max_count

    def __str__(self) -> str:
        return (
            f"{self.count} of {self.total} ({self.share_percent}%) graded {self.grade}, "
            f"above the target of at most {self.max_share_percent}% "
            f"({self.max_count} people)"
        )


def distribution_violations(
    distribution: Mapping[str, int], target_max_share: Mapping[str, Decimal]
) -> list[DistributionViolation]:
    """The grades whose share of the group exceeds its target maximum, in ``target`` order.

    ``target_max_share`` is in percent, e.g. ``{"S": Decimal(10), "A": Decimal(20)}``. A
    grade may hold at most ``floor(total × percent / 100)`` people, so with 7 people and
    20 % A one A is allowed and two are a violation. An empty group has no violations.
    """
    total = sum(distribution.values())
    if any(count < 0 for count in distribution.values()):
        raise ValueError("grade counts must not be negative")
    violations: list[DistributionViolation] = []
    for grade, raw in target_max_share.items():
        max_share = parse_exact_decimal(raw)
        if not 0 <= max_share <= _HUNDRED:
            raise ValueError(
                f"the target share of grade {grade} must be between 0 and 100 percent, "
                f"got {max_share}"
            )
        count = distribution.get(grade, 0)
        if total == 0:
            continue
        max_count = int(total * max_share // _HUNDRED)
        if count > max_count:
            share = (Decimal(count) * _HUNDRED / total).quantize(
                Decimal("0.01"), rounding=ROUND_HALF_UP
            )
            violations.append(
                DistributionViolation(grade, count, total, share, max_share, max_count)
            )
    return violations


def worsened_grades(
    before: Mapping[str, int], after: Mapping[str, int], target_max_share: Mapping[str, Decimal]
) -> list[DistributionViolation]:
    """The violations of ``after`` that are new or larger than in ``before``.

    An appeal that moves someone *down* in a group already over its target worsens nothing,
    so only a change that adds excess people to a grade is reported.
    """
    excess_before = {v.grade: v.excess for v in distribution_violations(before, target_max_share)}
    return [
        v
        for v in distribution_violations(after, target_max_share)
        if v.excess > excess_before.get(v.grade, 0)
    ]


# --- bonus ----------------------------------------------------------------------------------

DEFAULT_BONUS_COEFFICIENTS: Mapping[str, Decimal] = MappingProxyType(
    {
        "S": Decimal("1.5"),
        "A": Decimal("1.2"),
        "B": Decimal("1.0"),
        "C": Decimal("0.8"),
        "D": Decimal("0"),
    }
)
"""A common bonus table (绩效奖金系数); each company configures its own."""


def bonus_factor(
    grade: str, coefficients: Mapping[str, Decimal] = DEFAULT_BONUS_COEFFICIENTS
) -> Decimal:
    """The bonus coefficient of ``grade``; an unknown grade or a negative coefficient raises."""
    if grade not in coefficients:
        raise ValueError(
            f"no bonus coefficient for grade {grade!r}; configured: {sorted(coefficients)}"
        )
    factor = parse_exact_decimal(coefficients[grade])
    if factor < 0:
        raise ValueError(f"the bonus coefficient of grade {grade} must not be negative")
    return factor


def bonus_amount(
    base: Money, grade: str, coefficients: Mapping[str, Decimal] = DEFAULT_BONUS_COEFFICIENTS
) -> Money:
    """The bonus for ``grade``: ``base`` × its coefficient, rounded to the cent (ROUND_HALF_UP)."""
    return base.multiply(bonus_factor(grade, coefficients))


# --- workflow -------------------------------------------------------------------------------


class CycleState(StrEnum):
    """The states of an appraisal cycle (考核周期), in order."""

    OPEN = "open"
    COLLECTING = "collecting"
    SELF_REVIEW = "self_review"
    MANAGER_REVIEW = "manager_review"
    CALIBRATION = "calibration"
    CLOSED = "closed"


class AppraisalState(StrEnum):
    """The states of one employee's appraisal within a cycle."""

    PENDING_SELF = "pending_self"
    PENDING_MANAGER = "pending_manager"
    PENDING_CALIBRATION = "pending_calibration"
    CALIBRATED = "calibrated"
    ACKNOWLEDGED = "acknowledged"
    APPEALED = "appealed"
    APPEAL_RESOLVED = "appeal_resolved"


CYCLE_TRANSITIONS: Mapping[CycleState, frozenset[CycleState]] = MappingProxyType(
    {
        CycleState.OPEN: frozenset({CycleState.COLLECTING}),
        CycleState.COLLECTING: frozenset({CycleState.SELF_REVIEW}),
        CycleState.SELF_REVIEW: frozenset({CycleState.MANAGER_REVIEW}),
        CycleState.MANAGER_REVIEW: frozenset({CycleState.CALIBRATION}),
        CycleState.CALIBRATION: frozenset({CycleState.CLOSED}),
        CycleState.CLOSED: frozenset(),
    }
)
"""A cycle moves strictly forward; re-collecting actuals is an action, not a state change."""

APPRAISAL_TRANSITIONS: Mapping[AppraisalState, frozenset[AppraisalState]] = MappingProxyType(
    {
        AppraisalState.PENDING_SELF: frozenset({AppraisalState.PENDING_MANAGER}),
        AppraisalState.PENDING_MANAGER: frozenset({AppraisalState.PENDING_CALIBRATION}),
        AppraisalState.PENDING_CALIBRATION: frozenset({AppraisalState.CALIBRATED}),
        AppraisalState.CALIBRATED: frozenset(
            {AppraisalState.ACKNOWLEDGED, AppraisalState.APPEALED}
        ),
        AppraisalState.ACKNOWLEDGED: frozenset(),
        AppraisalState.APPEALED: frozenset({AppraisalState.APPEAL_RESOLVED}),
        AppraisalState.APPEAL_RESOLVED: frozenset(),
    }
)
"""The employee either acknowledges the calibrated result or appeals it; both ends are final."""

FINISHED_FOR_CLOSING: frozenset[AppraisalState] = frozenset(
    {
        AppraisalState.CALIBRATED,
        AppraisalState.ACKNOWLEDGED,
        AppraisalState.APPEALED,
        AppraisalState.APPEAL_RESOLVED,
    }
)
"""Appraisal states that let the cycle close: calibrated, whatever the employee did since."""


class InvalidTransitionError(ValueError):
    """A cycle or appraisal was asked to move to a state that does not follow its current one."""

    def __init__(
        self,
        current: CycleState | AppraisalState,
        target: CycleState | AppraisalState,
        allowed: frozenset[CycleState] | frozenset[AppraisalState],
    ) -> None:
        what = "cycle" if isinstance(current, CycleState) else "appraisal"
        if allowed:
            names = ", ".join(sorted(state.value for state in allowed))
            hint = f"allowed next states: {names}"
        else:
            hint = f"{current.value!r} is final; no further transitions"
        super().__init__(f"cannot move {what} from {current.value!r} to {target.value!r}; {hint}")
        self.current = current
        self.target = target
        self.allowed = allowed


class UnfinishedAppraisalsError(ValueError):
    """A cycle cannot close while some of its appraisals are not yet calibrated."""


def allowed_transitions(
    state: CycleState | AppraisalState,
) -> frozenset[CycleState] | frozenset[AppraisalState]:
    """The states that may directly follow ``state``."""
    if isinstance(state, CycleState):
        return CYCLE_TRANSITIONS[state]
    return APPRAISAL_TRANSITIONS[state]


def assert_transition(
    current: CycleState | AppraisalState, target: CycleState | AppraisalState
) -> None:
    """Refuse a move that does not directly follow ``current`` in its workflow.

    Raises :class:`InvalidTransitionError`, whose message names the allowed next states;
    mixing a cycle state with an appraisal state raises TypeError.
    """
    if type(current) is not type(target):
        raise TypeError(f"cannot compare a {type(current).__name__} with a {type(target).__name__}")
    allowed = allowed_transitions(current)
    if target not in allowed:
        raise InvalidTransitionError(current, target, allowed)


def assert_cycle_can_close(appraisal_states: Mapping[K, AppraisalState]) -> None:
    """Raise :class:`UnfinishedAppraisalsError` unless every appraisal is calibrated or later.

    The message gives how many are unfinished and names the first few.
    """
    unfinished = [
        (key, state) for key, state in appraisal_states.items() if state not in FINISHED_FOR_CLOSING
    ]
    if unfinished:
        shown = ", ".join(f"{key} ({state.value})" for key, state in unfinished[:5])
        more = f" and {len(unfinished) - 5} more" if len(unfinished) > 5 else ""
        raise UnfinishedAppraisalsError(
            f"the cycle cannot close: {len(unfinished)} appraisal(s) not yet calibrated: "
            f"{shown}{more}"
        )


# --- who enters actual values ---------------------------------------------------------------


def may_enter_actual(
    actor_employee_id: int,
    *,
    appraised_employee_id: int,
    manager_id: int | None,
    appraisal_office: bool,
) -> bool:
    """Whether this person may type in (or override) an actual value of this appraisal.

    Manual indicators are "entered by a reviewer" (DOMAIN.md §3): the self-assessment is
    the appraised person's ratings and comments, not his own figures. Automatic indicators
    are written by collection, and only overridden by a reviewer. The reviewer is the
    appraised person's manager in the org copy or the appraisal office; never the appraised
    person himself, whatever other role he holds, since the value feeds his score and bonus.
    """
    if actor_employee_id == appraised_employee_id:
        return False
    return appraisal_office or (manager_id is not None and actor_employee_id == manager_id)
