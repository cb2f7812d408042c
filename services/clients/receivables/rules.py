"""Pure rules for receivables: days overdue, ageing, dunning, allocation, collection rate.

Amounts are ``Decimal`` in one currency (convert to the base currency before mixing
accounts); sums are exact. Dates are company-calendar dates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from itertools import pairwise
from typing import Any

ZERO = Decimal(0)
PERCENT = Decimal("0.01")
HUNDRED = Decimal("100.00")


class RuleViolation(ValueError):
    """A receivables rule refused the input; the message says why."""


def _require_money(amount: Decimal, what: str) -> None:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise RuleViolation(f"{what} must be a finite Decimal, got {amount!r}")
    if amount < 0:
        raise RuleViolation(f"{what} cannot be negative, got {amount}")


def days_overdue(due_date: date, as_of: date) -> int:
    """Days past the due date on ``as_of``: 0 on the due date, negative before it."""
    return (as_of - due_date).days


@dataclass(frozen=True)
class OpenLine:
    """An invoice due line with the amount still open (unpaid)."""

    line_id: str
    due_on: date
    open_amount: Decimal

    def __post_init__(self) -> None:
        _require_money(self.open_amount, f"open amount of line {self.line_id}")


def oldest_days_overdue(lines: Sequence[OpenLine], as_of: date) -> int | None:
    """The largest days overdue among lines with an open amount (None if all are paid).

    This is what the grade's payment behaviour cap reads.
    """
    days = [days_overdue(line.due_on, as_of) for line in lines if line.open_amount > 0]
    return max(days, default=None)


# --------------------------------------------------------------------------------------
# Ageing (账龄)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgeingBucket:
    """Lines whose days overdue lie in ``[min_days, max_days]`` (None = unbounded)."""

    code: str
    min_days: int | None
    max_days: int | None

    def holds(self, days: int) -> bool:
        """True when ``days`` overdue falls in this bucket."""
        low_ok = self.min_days is None or days >= self.min_days
        return low_ok and (self.max_days is None or days <= self.max_days)


def validate_ageing_buckets(buckets: Sequence[AgeingBucket]) -> tuple[AgeingBucket, ...]:
    """Check that buckets cover every day count exactly once, in ascending order.

    The first bucket is open below, the last open above, each next bucket starts the day
    after the previous one ends (contiguous, non-overlapping), and codes are unique.
    Returns the buckets as a tuple; raises ``RuleViolation`` naming the first problem.
    """
    if not buckets:
        raise RuleViolation("at least one ageing bucket is needed")
    if buckets[0].min_days is not None:
        raise RuleViolation(f"the first bucket {buckets[0].code!r} must have no lower bound")
    if buckets[-1].max_days is not None:
        raise RuleViolation(f"the last bucket {buckets[-1].code!r} must have no upper bound")
    codes = [b.code for b in buckets]
    if len(set(codes)) != len(codes):
        raise RuleViolation(f"bucket codes must be unique: {codes}")
    for bucket in buckets:
        lower, upper = bucket.min_days, bucket.max_days
        if lower is not None and upper is not None and lower > upper:
            raise RuleViolation(f"bucket {bucket.code!r} ends before it starts")
    for before, after in pairwise(buckets):
        if before.max_days is None or after.min_days is None:
            raise RuleViolation(f"only the ends may be unbounded ({before.code!r}, {after.code!r})")
        if after.min_days != before.max_days + 1:
            kind = "overlaps" if after.min_days <= before.max_days else "leaves a gap after"
            raise RuleViolation(f"bucket {after.code!r} {kind} {before.code!r}")
    return tuple(buckets)


DEFAULT_AGEING_BUCKETS = validate_ageing_buckets(
    [
        AgeingBucket("current", None, 0),
        AgeingBucket("1-30", 1, 30),
        AgeingBucket("31-60", 31, 60),
        AgeingBucket("61-90", 61, 90),
        AgeingBucket("91-180", 91, 180),
        AgeingBucket("180+", 181, None),
    ]
)
"""Default buckets: not yet due (current), 1–30, 31–60, 61–90, 91–180, over 180 days."""


def ageing_bucket(
    days: int, buckets: Sequence[AgeingBucket] = DEFAULT_AGEING_BUCKETS
) -> AgeingBucket:
    """The bucket that holds a line ``days`` overdue (buckets as validated above)."""
    for bucket in buckets:
        if bucket.holds(days):
            return bucket
    raise RuleViolation(f"no ageing bucket holds {days} days; validate the buckets")


def ageing_report(
    lines: Sequence[OpenLine],
    as_of: date,
    buckets: Sequence[AgeingBucket] = DEFAULT_AGEING_BUCKETS,
) -> dict[str, Decimal]:
    """Open amounts summed per bucket code as of a date, every bucket present, in order.

    The sum over buckets equals the sum of the lines' open amounts exactly.
    """
    report = {bucket.code: ZERO for bucket in validate_ageing_buckets(buckets)}
    for line in lines:
        code = ageing_bucket(days_overdue(line.due_on, as_of), buckets).code
        report[code] += line.open_amount
    return report


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


DEFAULT_DUNNING_LEVELS = validate_dunning_levels(
    [
        DunningLevel(1, -3, DunningChannel.LETTER),
        DunningLevel(2, 1, DunningChannel.CALL),
        DunningLevel(3, 15, DunningChannel.CALL),
        DunningLevel(4, 30, DunningChannel.VISIT),
        DunningLevel(5, 60, DunningChannel.LETTER),
    ]
)
"""Default: a reminder 3 days before due, calls from day 1 and 15, a visit at 30 days
and a formal demand letter at 60 days overdue."""


def next_dunning_level(
    days_overdue: int,
    levels: Sequence[DunningLevel] = DEFAULT_DUNNING_LEVELS,
    last_level_reached: int | None = None,
) -> DunningLevel | None:
    """The level to trigger now, or None.

    Levels step one at a time: only the level right after ``last_level_reached`` (the
    first level when none was reached) can trigger, and only once its day threshold is
    reached; a line far overdue still goes through every level in order.
    """
    levels = validate_dunning_levels(levels)
    reached = 0 if last_level_reached is None else last_level_reached
    if not 0 <= reached <= len(levels):
        raise RuleViolation(f"unknown dunning level {last_level_reached}")
    if reached == len(levels):
        return None
    candidate = levels[reached]
    return candidate if days_overdue >= candidate.days_overdue else None


# --------------------------------------------------------------------------------------
# Payment allocation
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Allocation:
    """Part of a payment applied to one line."""

    line_id: str
    amount: Decimal


@dataclass(frozen=True)
class AllocationResult:
    """Allocations in order and what is left over (an unallocated credit)."""

    allocations: tuple[Allocation, ...]
    unallocated: Decimal


def allocate_payment(amount: Decimal, open_lines: Sequence[OpenLine]) -> AllocationResult:
    """Apply a payment to open lines, oldest due date first (ties: given order).

    Each line receives at most its open amount; lines with nothing open receive nothing;
    no allocation is zero or negative. What no line can take is returned as
    ``unallocated``, so ``sum(allocations) + unallocated == amount`` exactly.
    """
    _require_money(amount, "payment amount")
    remaining = amount
    allocations: list[Allocation] = []
    for line in sorted(open_lines, key=lambda line: line.due_on):
        if remaining == 0:
            break
        if line.open_amount == 0:
            continue
        applied = min(remaining, line.open_amount)
        allocations.append(Allocation(line.line_id, applied))
        remaining -= applied
    return AllocationResult(tuple(allocations), remaining)


# --------------------------------------------------------------------------------------
# Collection rate (回款率), outstanding ratio (应收占压率), credit exposure
# --------------------------------------------------------------------------------------


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if whole == 0:
        return None
    return (part * 100 / whole).quantize(PERCENT, ROUND_HALF_UP)


def collection_rate(collected: Decimal, due: Decimal, arrears: Decimal) -> Decimal | None:
    """回款率 (docs/DOMAIN.md, "Receivables"): ``collected`` — payments received in the
    period and allocated to lines due by its end (prepayments apart) — as a percentage of
    what fell due in the period plus the arrears open at its start, to 0.01 (half up),
    capped at 100 (base amounts converted at different dates may otherwise pass it).
    None when nothing was due and nothing was in arrears.
    """
    _require_money(collected, "collected amount")
    _require_money(due, "due amount")
    _require_money(arrears, "arrears")
    rate = _percent(collected, due + arrears)
    return None if rate is None else min(rate, HUNDRED)


def outstanding_ratio(outstanding: Decimal, invoiced: Decimal) -> Decimal | None:
    """应收占压率 (docs/DOMAIN.md, "Receivables"): receivables outstanding at the period's
    end as a percentage of what was invoiced in the period, to 0.01 (half up); None when
    nothing was invoiced. Not capped: 300 means three periods' invoicing is still open.
    """
    _require_money(outstanding, "outstanding amount")
    _require_money(invoiced, "invoiced amount")
    return _percent(outstanding, invoiced)


def credit_exposure(open_receivables: Decimal, uninvoiced_contract_value: Decimal) -> Decimal:
    """Credit exposure: open receivables plus signed contract value not yet invoiced."""
    _require_money(open_receivables, "open receivables")
    _require_money(uninvoiced_contract_value, "uninvoiced contract value")
    return open_receivables + uninvoiced_contract_value


def credit_limit_exceeded(exposure: Decimal, credit_limit: Decimal | None) -> bool:
    """True when exposure is above the credit limit (no limit set: never exceeded)."""
    return credit_limit is not None and exposure > credit_limit


def ageing_buckets(config: Sequence[Mapping[str, Any]] | None) -> tuple[AgeingBucket, ...]:
    """The ageing buckets of the setting ``ageing_buckets`` (the defaults when unset);
    raises ``ValueError`` on buckets without a code, with gaps, overlaps or open middles."""
    if config is None:
        return DEFAULT_AGEING_BUCKETS
    try:
        buckets = [
            AgeingBucket(str(b["code"]), b.get("min_days"), b.get("max_days")) for b in config
        ]
    except (KeyError, TypeError) as exc:
        raise ValueError(f"ageing_buckets: each bucket needs a code ({exc})") from None
    return validate_ageing_buckets(buckets)
