"""Pure rules for key accounts: credit code, grading, credit score, trailing window.

No I/O here: every function takes plain values and returns plain values, so the rules
can be unit-tested and property-tested without a database. Money is ``Decimal`` in the
company's base currency (convert before calling); dates are company-calendar dates.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum


class RuleViolation(ValueError):
    """A domain rule refused the input; the message says which rule and why."""


# --------------------------------------------------------------------------------------
# Unified social credit code (统一社会信用代码, GB 32100-2015)
# --------------------------------------------------------------------------------------

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters a credit code may use (no I, O, S, V, Z), in value order 0..30."""

CREDIT_CODE_LENGTH = 18
_MODULUS = len(CREDIT_CODE_ALPHABET)
_WEIGHTS = tuple(pow(3, i, _MODULUS) for i in range(CREDIT_CODE_LENGTH - 1))


def credit_code_check_character(first_17: str) -> str:
    """Return the check character (18th) for the first 17 characters of a credit code.

    GB 32100-2015: each character's value is its index in ``CREDIT_CODE_ALPHABET``;
    position *i* (0-based) has weight ``3**i mod 31``; the check value is
    ``(31 - sum(value * weight) mod 31) mod 31``, written with the same alphabet.
    Raises ``RuleViolation`` when the input is not 17 characters of the alphabet.
    """
    if len(first_17) != CREDIT_CODE_LENGTH - 1:
        raise RuleViolation(
            f"a credit code body has {CREDIT_CODE_LENGTH - 1} characters, got {len(first_17)}"
        )
    total = 0
    for position, (char, weight) in enumerate(zip(first_17, _WEIGHTS, strict=True), start=1):
        value = CREDIT_CODE_ALPHABET.find(char)
        if value < 0:
            raise RuleViolation(f"character {char!r} at position {position} is not allowed")
        total += value * weight
    return CREDIT_CODE_ALPHABET[(_MODULUS - total % _MODULUS) % _MODULUS]


def credit_code_error(code: str) -> str | None:
    """Return why ``code`` is not a valid unified social credit code, or None if it is.

    Checks, in order: exactly 18 characters; every character from
    ``CREDIT_CODE_ALPHABET`` (upper case; positions are reported 1-based); the check
    character. The code is taken as given: normalise input first with
    ``normalize_credit_code`` if surrounding spaces or lower case are acceptable.
    """
    if len(code) != CREDIT_CODE_LENGTH:
        return f"a unified social credit code has {CREDIT_CODE_LENGTH} characters, got {len(code)}"
    for position, char in enumerate(code, start=1):
        if char not in CREDIT_CODE_ALPHABET:
            hint = " (use upper case)" if char.upper() in CREDIT_CODE_ALPHABET else ""
            return f"character {char!r} at position {position} is not allowed{hint}"
    expected = credit_code_check_character(code[:-1])
    if code[-1] != expected:
        return f"check character mismatch: expected {expected!r}, got {code[-1]!r}"
    return None


def normalize_credit_code(raw: str) -> str:
    """Return ``raw`` with surrounding whitespace removed and letters upper-cased."""
    return raw.strip().upper()


# --------------------------------------------------------------------------------------
# Grading (客户分级)
# --------------------------------------------------------------------------------------


class Grade(StrEnum):
    """Client grade, best first: S (optional top tier), A, B, C."""

    S = "S"
    A = "A"
    B = "B"
    C = "C"

    @property
    def rank(self) -> int:
        """Higher is better: C=0, B=1, A=2, S=3."""
        return _GRADE_RANKS[self]


_GRADE_RANKS = {Grade.C: 0, Grade.B: 1, Grade.A: 2, Grade.S: 3}


@dataclass(frozen=True)
class GradeThresholds:
    """Minimum trailing-12-month signed contract value (base currency) per grade.

    A value at or above ``a`` is grade A, at or above ``b`` grade B, otherwise C; when
    ``s`` is set, a value at or above it is grade S. Thresholds must be positive and
    strictly descending (S > A > B > 0).
    """

    a: Decimal = Decimal("5000000")
    b: Decimal = Decimal("1000000")
    s: Decimal | None = None

    def __post_init__(self) -> None:
        values = [v for v in (self.s, self.a, self.b) if v is not None]
        for v in values:
            if not isinstance(v, Decimal) or not v.is_finite():
                raise RuleViolation(f"grade thresholds must be finite Decimals, got {v!r}")
        if self.b <= 0:
            raise RuleViolation(f"the B threshold must be positive, got {self.b}")
        if not self.a > self.b:
            raise RuleViolation(
                f"thresholds must be strictly descending: A ({self.a}) > B ({self.b})"
            )
        if self.s is not None and not self.s > self.a:
            raise RuleViolation(
                f"thresholds must be strictly descending: S ({self.s}) > A ({self.a})"
            )


def grade_for_contract_value(value: Decimal, thresholds: GradeThresholds) -> Grade:
    """Grade a client by trailing-12-month signed contract value (a threshold is inclusive).

    Raises ``RuleViolation`` for a negative value.
    """
    if value < 0:
        raise RuleViolation(f"contract value cannot be negative, got {value}")
    if thresholds.s is not None and value >= thresholds.s:
        return Grade.S
    if value >= thresholds.a:
        return Grade.A
    if value >= thresholds.b:
        return Grade.B
    return Grade.C


@dataclass(frozen=True)
class PaymentBehaviourCap:
    """Payment behaviour limits the grade: overdue beyond ``more_than_days`` caps it.

    Default: a client with any open receivable more than 90 days overdue (the 91–180
    ageing bucket or older) cannot be graded above B.
    """

    more_than_days: int = 90
    max_grade: Grade = Grade.B

    def __post_init__(self) -> None:
        if self.more_than_days < 0:
            raise RuleViolation(f"overdue days must not be negative, got {self.more_than_days}")


def cap_for_payment_behaviour(
    grade: Grade, oldest_days_overdue: int | None, cap: PaymentBehaviourCap
) -> Grade:
    """Lower ``grade`` to ``cap.max_grade`` when the oldest open line is too overdue.

    ``oldest_days_overdue`` is the largest days-overdue among open receivable lines (None
    when nothing is open). The cap never raises a grade.
    """
    if oldest_days_overdue is None or oldest_days_overdue <= cap.more_than_days:
        return grade
    return grade if grade.rank <= cap.max_grade.rank else cap.max_grade


def computed_grade(
    contract_value: Decimal,
    thresholds: GradeThresholds,
    oldest_days_overdue: int | None = None,
    cap: PaymentBehaviourCap | None = None,
) -> Grade:
    """The rule-based grade: value thresholds, then the payment behaviour cap if given."""
    grade = grade_for_contract_value(contract_value, thresholds)
    return grade if cap is None else cap_for_payment_behaviour(grade, oldest_days_overdue, cap)


@dataclass(frozen=True)
class GradeOverride:
    """A manual grade set by a person, with a required reason and an optional expiry.

    The override applies on dates before ``expires_on``; from ``expires_on`` on it has
    expired and the computed grade applies again.
    """

    grade: Grade
    reason: str
    expires_on: date | None = None

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise RuleViolation("a grade override needs a reason")

    def applies_on(self, as_of: date) -> bool:
        """True while the override has not expired on ``as_of``."""
        return self.expires_on is None or as_of < self.expires_on


class GradeSource(StrEnum):
    """Where an effective grade comes from."""

    COMPUTED = "computed"
    OVERRIDE = "override"


@dataclass(frozen=True)
class EffectiveGrade:
    """The grade in force and why (the override's reason when overridden)."""

    grade: Grade
    source: GradeSource
    reason: str | None = None


def effective_grade(computed: Grade, override: GradeOverride | None, as_of: date) -> EffectiveGrade:
    """The grade in force on ``as_of``: an unexpired override wins over the computed grade."""
    if override is not None and override.applies_on(as_of):
        return EffectiveGrade(override.grade, GradeSource.OVERRIDE, override.reason)
    return EffectiveGrade(computed, GradeSource.COMPUTED)


def must_record_grade_change(previous: EffectiveGrade | None, current: EffectiveGrade) -> bool:
    """A grade history entry is due for the first grading, or when the grade or its source
    changes (an override set, expired or removed is recorded even if the letter is the
    same). A recomputation that yields the same grade from the same source is not recorded.
    """
    if previous is None:
        return True
    return previous.grade != current.grade or previous.source != current.source


# --------------------------------------------------------------------------------------
# Credit score (信用分数)
# --------------------------------------------------------------------------------------


class CreditRefusal(StrEnum):
    """Why a credit score adjustment was refused."""

    NO_AUTHORITY = "no_authority"
    ZERO_DELTA = "zero_delta"
    BEYOND_AUTHORITY = "beyond_authority"
    BELOW_FLOOR = "below_floor"
    ABOVE_CEILING = "above_ceiling"


class CreditAdjustmentRefused(RuleViolation):
    """A credit adjustment broke a bound; ``refusal`` names which one."""

    def __init__(self, refusal: CreditRefusal, message: str) -> None:
        super().__init__(message)
        self.refusal = refusal


def check_credit_adjustment(
    current: int,
    delta: int,
    max_delta: int | None,
    floor: int = 0,
    ceiling: int = 100,
) -> int:
    """Return the new credit score ``current + delta`` or raise ``CreditAdjustmentRefused``.

    ``max_delta`` is the caller's authority: the largest absolute change they may make in
    one adjustment (None: no authority at all). The result must stay within
    ``[floor, ceiling]``; an out-of-range result is refused, never clamped. A zero delta is
    refused as it changes nothing. Raises ``RuleViolation`` for inconsistent bounds.
    """
    if floor > ceiling:
        raise RuleViolation(f"floor {floor} is above ceiling {ceiling}")
    if not floor <= current <= ceiling:
        raise RuleViolation(f"current score {current} is outside [{floor}, {ceiling}]")
    if max_delta is not None and max_delta < 0:
        raise RuleViolation(f"an authority limit cannot be negative, got {max_delta}")
    if max_delta is None:
        raise CreditAdjustmentRefused(
            CreditRefusal.NO_AUTHORITY, "no authority to adjust credit scores"
        )
    if delta == 0:
        raise CreditAdjustmentRefused(
            CreditRefusal.ZERO_DELTA, "an adjustment of 0 changes nothing"
        )
    if abs(delta) > max_delta:
        raise CreditAdjustmentRefused(
            CreditRefusal.BEYOND_AUTHORITY,
            f"an adjustment of {delta:+d} exceeds the authority limit of ±{max_delta}",
        )
    new = current + delta
    if new < floor:
        raise CreditAdjustmentRefused(
            CreditRefusal.BELOW_FLOOR,
            f"{current} {delta:+d} = {new} is below the floor of {floor}",
        )
    if new > ceiling:
        raise CreditAdjustmentRefused(
            CreditRefusal.ABOVE_CEILING,
            f"{current} {delta:+d} = {new} is above the ceiling of {ceiling}",
        )
    return new


# --------------------------------------------------------------------------------------
# Trailing twelve months
# --------------------------------------------------------------------------------------


def trailing_twelve_months(as_of: date) -> tuple[date, date]:
    """The inclusive company-calendar date range ``[start, end]`` of the 12 months to ``as_of``.

    ``end`` is ``as_of``; ``start`` is the day after the same date one year earlier
    (2025-06-15 → 2024-06-16). For 29 February the year-earlier date is 28 February, so
    2024-02-29 → 2023-03-01. The window slides forward as ``as_of`` does.
    """
    year = as_of.year - 1
    day = min(as_of.day, calendar.monthrange(year, as_of.month)[1])
    return date(year, as_of.month, day) + timedelta(days=1), as_of


# --------------------------------------------------------------------------------------
# Group customers (集团客户)
# --------------------------------------------------------------------------------------


def parent_would_cycle(account_id: int, parent_ancestry: Sequence[int]) -> bool:
    """Whether making the account whose ancestry (itself first, then its parent, …) is
    ``parent_ancestry`` the parent of ``account_id`` would close a loop: that happens
    exactly when ``account_id`` is that account or one of its ancestors."""
    return account_id in parent_ancestry


def payment_behaviour_cap(more_than_days: int | None) -> PaymentBehaviourCap | None:
    """The grade cap for payment behaviour from its setting (None when switched off)."""
    return None if more_than_days is None else PaymentBehaviourCap(more_than_days=more_than_days)
