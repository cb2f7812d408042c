"""Rules of the bonus: base × grade coefficient, plus approved rewards, minus penalties.

- The **base** (奖金基数) of a period is set per position, or per person; a person's own
  base wins over his position's.
- The **performance bonus** is ``base × coefficient of the final grade``, computed exactly
  in Decimal and rounded once, half-up, to the cent: base 8,333.33 × 1.2 = 9,999.996 →
  10,000.00 (:func:`services.kpi.appraisals.rules.bonus_amount`).
- **Rewards and penalties** (奖惩) are whole amounts in cents; only approved ones count.
  The total is ``bonus + Σ rewards − Σ penalties``, exact; it may be negative, which means
  a deduction, and is shown as it is rather than silently cut to zero.
- **Four eyes**: a reward or penalty is approved or rejected by someone other than the one
  who proposed it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from services.kpi.appraisals.rules import bonus_amount, bonus_factor
from shared.money import Money

__all__ = [
    "AdjustmentKind",
    "AdjustmentState",
    "BonusLine",
    "base_for",
    "bonus_line",
    "may_decide",
]


class AdjustmentKind(StrEnum):
    REWARD = "reward"
    PENALTY = "penalty"


class AdjustmentState(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class BonusLine:
    """One employee's bonus in a cycle, every part shown (None: no base set)."""

    base: Money | None
    coefficient: Decimal | None
    performance_bonus: Money | None
    rewards: Money
    penalties: Money
    total: Money | None


def base_for(
    employee_id: int,
    position_code: str | None,
    person_bases: Mapping[int, Money],
    position_bases: Mapping[str, Money],
) -> Money | None:
    """The employee's base: his own if set, else his position's, else none."""
    if employee_id in person_bases:
        return person_bases[employee_id]
    if position_code is not None:
        return position_bases.get(position_code)
    return None


def bonus_line(
    base: Money | None,
    grade: str | None,
    coefficients: Mapping[str, Decimal],
    adjustments: Iterable[tuple[AdjustmentKind, Money]],
    currency: str,
) -> BonusLine:
    """Base × the grade's coefficient (half-up to the cent), plus rewards, minus penalties."""
    rewards = Money(amount=Decimal("0.00"), currency=currency)
    penalties = Money(amount=Decimal("0.00"), currency=currency)
    for kind, amount in adjustments:
        if kind is AdjustmentKind.REWARD:
            rewards = rewards + amount
        else:
            penalties = penalties + amount
    if base is None or grade is None or grade not in coefficients:
        return BonusLine(base, None, None, rewards, penalties, None)
    performance = bonus_amount(base, grade, coefficients)
    return BonusLine(
        base=base,
        coefficient=bonus_factor(grade, coefficients),
        performance_bonus=performance,
        rewards=rewards,
        penalties=penalties,
        total=performance + rewards - penalties,
    )


def may_decide(proposed_by: int, decider: int) -> bool:
    """Whether ``decider`` may approve or reject what ``proposed_by`` proposed (four eyes)."""
    return proposed_by != decider
