"""Pure rules of collection: the dunning levels and which level a line steps to in a run,
when a collection task is due, credit exposure and the credit limit. No I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise
from typing import Any

from services.clients.receivables.rules import RuleViolation, _require_money, days_overdue

ZERO = Decimal(0)


# --------------------------------------------------------------------------------------
# Dunning (催款)
# --------------------------------------------------------------------------------------


class DunningChannel(StrEnum):
    """How a collection task reaches the client."""

    CALL = "call"
    VISIT = "visit"
    LETTER = "letter"


@dataclass(frozen=True)
class DunningLevel:
    """A dunning stage reached at ``days_overdue`` (negative: a reminder before due)."""

    level: int
    days_overdue: int
    channel: DunningChannel


def validate_dunning_levels(levels: Sequence[DunningLevel]) -> tuple[DunningLevel, ...]:
    """Check that levels are numbered 1, 2, 3 … with strictly increasing day thresholds."""
    if not levels:
        raise RuleViolation("at least one dunning level is needed")
    for index, level in enumerate(levels, start=1):
        if level.level != index:
            raise RuleViolation(f"dunning levels must be numbered 1..n, found {level.level}")
    for before, after in pairwise(levels):
        if after.days_overdue <= before.days_overdue:
            raise RuleViolation(f"level {after.level} must start later than level {before.level}")
    return tuple(levels)


def level_for_age(days_overdue: int, levels: Sequence[DunningLevel]) -> DunningLevel | None:
    """The level a debt ``days_overdue`` old has reached on the schedule: the last level
    whose threshold it has passed (None before the first threshold)."""
    passed = [lv for lv in validate_dunning_levels(levels) if lv.days_overdue <= days_overdue]
    return passed[-1] if passed else None


@dataclass(frozen=True)
class DunningPolicy:
    """The dunning levels in order, and the levels whose task is escalated to the
    owner's manager (the manager is named on the task; the owner still holds it)."""

    levels: tuple[DunningLevel, ...]
    escalated: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        validate_dunning_levels(self.levels)
        unknown = sorted(self.escalated - {level.level for level in self.levels})
        if unknown:
            raise RuleViolation(f"escalated levels {unknown} are not dunning levels")


def dunning_policy_from_config(config: Sequence[Mapping[str, Any]]) -> DunningPolicy:
    """Levels from the ``dunning_levels`` setting: ``[{"level": 1, "days_overdue": -3,
    "channel": "call", "escalate": false}, …]``; raises ``RuleViolation`` naming the problem
    (levels not numbered 1..n, thresholds not increasing, an unknown channel)."""
    levels: list[DunningLevel] = []
    escalated: set[int] = set()
    for index, item in enumerate(config, start=1):
        try:
            level = DunningLevel(
                int(item["level"]), int(item["days_overdue"]), DunningChannel(item["channel"])
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise RuleViolation(
                f"dunning level #{index} needs level, days_overdue and a channel "
                f"(call, visit, letter): {exc}"
            ) from None
        levels.append(level)
        if item.get("escalate"):
            escalated.add(level.level)
    return DunningPolicy(tuple(levels), frozenset(escalated))


DEFAULT_DUNNING_CONFIG: tuple[dict[str, Any], ...] = (
    {"level": 1, "days_overdue": -3, "channel": "call", "escalate": False},
    {"level": 2, "days_overdue": 1, "channel": "call", "escalate": False},
    {"level": 3, "days_overdue": 15, "channel": "visit", "escalate": False},
    {"level": 4, "days_overdue": 30, "channel": "letter", "escalate": False},
    {"level": 5, "days_overdue": 60, "channel": "letter", "escalate": True},
)
"""A reminder call 3 days before due, a call the day after, a visit at 15 days, a letter at
30 and a formal letter escalated to the owner's manager at 60 days overdue."""


@dataclass(frozen=True)
class LineDunningState:
    """An open invoice line as a dunning run sees it."""

    due_date: date
    last_level: int | None
    """The highest level any task of the line reached (whatever its status)."""


def dunning_step(line: LineDunningState, as_of: date, policy: DunningPolicy) -> DunningLevel | None:
    """The level a run as of ``as_of`` gives the line, or None.

    The level follows the schedule, not the number of runs: a line 157 days overdue with
    no task gets the level its age calls for (5 by default) in one run, and a line at
    level 2 that is 70 days overdue moves straight to 5. Levels never go down, so a run
    as of the same day again, or as of an earlier day, adds nothing.
    """
    target = level_for_age(days_overdue(line.due_date, as_of), policy.levels)
    if target is None or (line.last_level is not None and target.level <= line.last_level):
        return None
    return target


def task_due_on(as_of: date, due_within_days: int) -> date:
    """The day a new collection task should be done by."""
    if due_within_days < 0:
        raise RuleViolation(f"a task cannot be due before its run, got {due_within_days} days")
    return as_of + timedelta(days=due_within_days)


# --------------------------------------------------------------------------------------
# Credit exposure and the credit limit
# --------------------------------------------------------------------------------------


def credit_exposure(open_receivables: Decimal, uninvoiced_contract_value: Decimal) -> Decimal:
    """Credit exposure: open receivables plus signed contract value not yet invoiced."""
    _require_money(open_receivables, "open receivables")
    _require_money(uninvoiced_contract_value, "uninvoiced contract value")
    return open_receivables + uninvoiced_contract_value


def credit_limit_exceeded(exposure: Decimal, credit_limit: Decimal | None) -> bool:
    """True when exposure is above the credit limit (no limit set: never exceeded)."""
    return credit_limit is not None and exposure > credit_limit


def uninvoiced_contract_value(signed_value: Decimal, invoiced: Decimal) -> Decimal:
    """What is left to invoice on a signed contract: its value minus what was invoiced
    against it, never below 0 (an over-invoiced contract adds nothing)."""
    return max(signed_value - invoiced, ZERO)


def sum_exposure(parts: Iterable[tuple[Decimal, Decimal]]) -> tuple[Decimal, Decimal]:
    """(open receivables, uninvoiced contract value) summed over accounts of a group."""
    open_total = uninvoiced_total = ZERO
    for open_amount, uninvoiced in parts:
        open_total += open_amount
        uninvoiced_total += uninvoiced
    return open_total, uninvoiced_total


def dunning_policy(levels: Sequence[Mapping[str, Any]] | None) -> DunningPolicy:
    """The dunning levels of the setting ``dunning_levels`` (the defaults when unset);
    raises ``RuleViolation`` on levels out of order or an unknown channel."""
    return dunning_policy_from_config(levels or DEFAULT_DUNNING_CONFIG)
