"""The rules of opportunities, pure: the stage machine, probabilities, stage durations and
line money. Stages are told apart by their outcome (open, won, lost), never by their code,
so an administrator may rename or add open stages freely."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum

from shared.money import CENT


class Outcome(StrEnum):
    """What a stage means for the opportunity in it; also the opportunity's status."""

    OPEN = "open"
    WON = "won"
    LOST = "lost"


@dataclass(frozen=True)
class Stage:
    """What the machine needs of a pipeline stage."""

    code: str
    default_probability: int
    outcome: Outcome
    active: bool = True


def move_problem(current: Stage, target: Stage) -> str | None:
    """Why an opportunity in ``current`` may not move to ``target`` by a stage move (None:
    it may). Forward and backward among active open stages; won and lost are reached only
    by winning or losing (which carry a contract or a reason), and a closed opportunity
    moves no more."""
    if current.outcome is not Outcome.OPEN:
        return f"the opportunity is {current.outcome.value}; a closed opportunity does not move"
    if target.outcome is not Outcome.OPEN:
        return (
            f"stage {target.code} closes the opportunity ({target.outcome.value}); "
            f"use /{'win' if target.outcome is Outcome.WON else 'lose'} instead"
        )
    if not target.active:
        return f"stage {target.code} is no longer in use"
    if target.code == current.code:
        return f"the opportunity is already in stage {target.code}"
    return None


def close_problem(current: Stage) -> str | None:
    """Why an opportunity in ``current`` may not be won or lost (None: it may)."""
    if current.outcome is not Outcome.OPEN:
        return f"the opportunity is already {current.outcome.value}"
    return None


def reopen_problem(current: Stage, target: Stage) -> str | None:
    """Why a closed opportunity may not be reopened into ``target`` (None: it may). Only a
    lost one reopens (a won one has its signed contract), and only into an open stage."""
    if current.outcome is Outcome.OPEN:
        return "the opportunity is open; only a lost opportunity can be reopened"
    if current.outcome is Outcome.WON:
        return "a won opportunity has its contract and cannot be reopened"
    if target.outcome is not Outcome.OPEN or not target.active:
        return f"stage {target.code} is not an open stage in use"
    return None


def probability_problem(probability: int, stage: Stage, reason: str | None) -> str | None:
    """A probability other than the stage's default needs its reason (None: fine)."""
    if not 0 <= probability <= 100:
        return "probability must be between 0 and 100"
    if probability != stage.default_probability and not (reason and reason.strip()):
        return (
            f"probability {probability} differs from stage {stage.code}'s default "
            f"{stage.default_probability}: probability_reason is required"
        )
    return None


def probability_in(
    stage: Stage, requested: int | None, reason: str | None
) -> tuple[int, str | None]:
    """The probability and its reason in ``stage``: the requested override, or the stage's
    default (then no reason is kept). A closed stage's probability is its default."""
    if stage.outcome is not Outcome.OPEN or requested is None:
        return stage.default_probability, None
    if requested == stage.default_probability:
        return requested, None
    return requested, reason


@dataclass(frozen=True)
class StageSpell:
    """A stretch an opportunity spent in one stage; ``left`` None: it is still there."""

    stage_code: str
    entered: datetime
    left: datetime | None
    seconds: int


def stage_spells(entries: Sequence[tuple[str, datetime]], now: datetime) -> list[StageSpell]:
    """The spells of a stage history (``(stage entered, when)`` in time order): each lasts
    until the next entry, the last one until ``now`` while the opportunity is open (pass
    the closing time as ``now`` for a closed one). Never negative."""
    spells: list[StageSpell] = []
    for index, (code, entered) in enumerate(entries):
        left = entries[index + 1][1] if index + 1 < len(entries) else None
        end = left if left is not None else now
        seconds = max(0, int((end - entered).total_seconds()))
        spells.append(StageSpell(code, entered, left, seconds))
    return spells


def time_in_stages(spells: Iterable[StageSpell]) -> dict[str, int]:
    """Seconds per stage, summed over every spell in it (an opportunity may come back)."""
    totals: dict[str, int] = {}
    for spell in spells:
        totals[spell.stage_code] = totals.get(spell.stage_code, 0) + spell.seconds
    return totals


HUNDRED = Decimal(100)


def line_total(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal) -> Decimal:
    """A line's value to the cent: quantity × unit price less the discount, rounded once
    at the end (halves away from zero), so a total is never off by the sum of roundings."""
    if quantity <= 0 or unit_price < 0 or not 0 <= discount_percent <= HUNDRED:
        raise ValueError("quantity > 0, unit price ≥ 0 and discount 0–100 are required")
    with localcontext() as exact_context:
        exact_context.prec = 60  # ample for any stored quantity × price, so nothing rounds early
        exact = quantity * unit_price * (HUNDRED - discount_percent) / HUNDRED
        return exact.quantize(CENT, rounding=ROUND_HALF_UP)


def lines_total(lines: Iterable[tuple[Decimal, Decimal, Decimal]]) -> Decimal:
    """The sum of the lines' values (each to the cent)."""
    return sum((line_total(*line) for line in lines), Decimal("0.00"))


def weighted(amount: Decimal, probability: int) -> Decimal:
    """The amount weighted by its probability, to the cent (halves away from zero)."""
    return (amount * probability / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
