import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.clients.accounts.rules import (
    CREDIT_CODE_ALPHABET,
    CreditAdjustmentRefused,
    CreditRefusal,
    EffectiveGrade,
    Grade,
    GradeOverride,
    GradeSource,
    GradeThresholds,
    PaymentBehaviourCap,
    RuleViolation,
    cap_for_payment_behaviour,
    check_credit_adjustment,
    computed_grade,
    credit_code_check_character,
    credit_code_error,
    effective_grade,
    grade_for_contract_value,
    must_record_grade_change,
    normalize_credit_code,
    trailing_twelve_months,
)

# --- unified social credit code ------------------------------------------------------

bodies = st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=17, max_size=17)


def test_check_character_hand_computed() -> None:
    # 9 1 3 5 0 1 0 0 M=21 0 0 0 1 0 0 Y=30 4, weights 3**i mod 31:
    # 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28
    # sum = 9+3+27+135+26+420+8+900+112 = 1640; 1640 mod 31 = 28; 31-28 = 3
    assert credit_code_check_character("91350100M000100Y4") == "3"
    assert credit_code_error("91350100M000100Y43") is None


@pytest.mark.parametrize("code", ["91110000802100433B", "91440300708461136T"])
def test_published_codes_are_valid(code: str) -> None:
    assert credit_code_error(code) is None


def test_check_value_zero_is_written_as_0() -> None:
    # sum ≡ 0 (mod 31) → (31 - 0) mod 31 = 0, not 31
    assert credit_code_check_character("0" * 17) == "0"
    assert credit_code_error("0" * 18) is None


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "has 18 characters, got 0"),
        ("91350100M000100Y4", "has 18 characters, got 17"),
        ("91350100M000100Y433", "has 18 characters, got 19"),
        ("91350100I000100Y43", "character 'I' at position 9 is not allowed"),
        ("9135010OM000100Y43", "character 'O' at position 8 is not allowed"),
        ("91350100m000100Y43", "character 'm' at position 9 is not allowed (use upper case)"),
        ("91350100M000100Y4 ", "character ' ' at position 18 is not allowed"),
        ("91350100M000100Y44", "check character mismatch: expected '3', got '4'"),
    ],
)
def test_credit_code_errors_are_precise(code: str, message: str) -> None:
    error = credit_code_error(code)
    assert error is not None
    assert message in error


def test_check_character_rejects_bad_body() -> None:
    with pytest.raises(RuleViolation, match="17 characters"):
        credit_code_check_character("123")
    with pytest.raises(RuleViolation, match="position 2"):
        credit_code_check_character("9Z350100M000100Y4")


def test_normalize_credit_code() -> None:
    assert normalize_credit_code("  91350100m000100y43\n") == "91350100M000100Y43"


@given(bodies)
def test_generated_codes_validate(body: str) -> None:
    assert credit_code_error(body + credit_code_check_character(body)) is None


@given(bodies, st.integers(0, 17), st.integers(1, 30))
def test_any_single_substitution_is_detected(body: str, position: int, shift: int) -> None:
    code = body + credit_code_check_character(body)
    replacement = CREDIT_CODE_ALPHABET[
        (CREDIT_CODE_ALPHABET.index(code[position]) + shift) % len(CREDIT_CODE_ALPHABET)
    ]
    changed = code[:position] + replacement + code[position + 1 :]
    assert credit_code_error(changed) is not None


@given(bodies, st.integers(0, 15))
def test_adjacent_transposition_is_detected(body: str, position: int) -> None:
    code = body + credit_code_check_character(body)
    a, b = code[position], code[position + 1]
    swapped = code[:position] + b + a + code[position + 2 :]
    assert (credit_code_error(swapped) is None) == (a == b)


# --- grading -------------------------------------------------------------------------

DEFAULT = GradeThresholds()
WITH_S = GradeThresholds(a=Decimal(5_000_000), b=Decimal(1_000_000), s=Decimal(20_000_000))


@pytest.mark.parametrize(
    ("value", "grade"),
    [
        ("0", Grade.C),
        ("999999.99", Grade.C),
        ("1000000", Grade.B),
        ("1000000.00", Grade.B),
        ("4999999.99", Grade.B),
        ("5000000", Grade.A),
        ("99999999999", Grade.A),
    ],
)
def test_grade_for_contract_value_default(value: str, grade: Grade) -> None:
    assert grade_for_contract_value(Decimal(value), DEFAULT) is grade


def test_grade_s_tier_when_configured() -> None:
    assert grade_for_contract_value(Decimal("19999999.99"), WITH_S) is Grade.A
    assert grade_for_contract_value(Decimal(20_000_000), WITH_S) is Grade.S
    assert grade_for_contract_value(Decimal(20_000_000), DEFAULT) is Grade.A


def test_negative_contract_value_is_refused() -> None:
    with pytest.raises(RuleViolation, match="negative"):
        grade_for_contract_value(Decimal("-0.01"), DEFAULT)


@pytest.mark.parametrize(
    ("a", "b", "s", "message"),
    [
        ("1000000", "1000000", None, "strictly descending"),
        ("1000000", "5000000", None, "strictly descending"),
        ("5000000", "1000000", "5000000", "strictly descending"),
        ("5000000", "0", None, "positive"),
        ("5000000", "-1", None, "positive"),
        ("NaN", "1", None, "finite"),
    ],
)
def test_thresholds_are_validated(a: str, b: str, s: str | None, message: str) -> None:
    with pytest.raises(RuleViolation, match=message):
        GradeThresholds(a=Decimal(a), b=Decimal(b), s=None if s is None else Decimal(s))


money = st.decimals(min_value=0, max_value=10**10, places=2, allow_nan=False)


@given(money, money)
def test_grade_is_monotone_in_value(x: Decimal, y: Decimal) -> None:
    low, high = sorted((x, y))
    for thresholds in (DEFAULT, WITH_S):
        assert (
            grade_for_contract_value(low, thresholds).rank
            <= grade_for_contract_value(high, thresholds).rank
        )


def test_grade_order() -> None:
    assert [g.rank for g in (Grade.C, Grade.B, Grade.A, Grade.S)] == [0, 1, 2, 3]


# --- payment behaviour cap -----------------------------------------------------------

CAP = PaymentBehaviourCap()


@pytest.mark.parametrize(
    ("grade", "days", "expected"),
    [
        (Grade.A, None, Grade.A),
        (Grade.A, 90, Grade.A),  # 61–90 bucket: not yet capped
        (Grade.A, 91, Grade.B),
        (Grade.S, 400, Grade.B),
        (Grade.B, 400, Grade.B),
        (Grade.C, 400, Grade.C),  # the cap never raises a grade
        (Grade.A, -10, Grade.A),
    ],
)
def test_payment_behaviour_cap(grade: Grade, days: int | None, expected: Grade) -> None:
    assert cap_for_payment_behaviour(grade, days, CAP) is expected


def test_payment_behaviour_cap_is_configurable() -> None:
    strict = PaymentBehaviourCap(more_than_days=30, max_grade=Grade.C)
    assert cap_for_payment_behaviour(Grade.A, 31, strict) is Grade.C
    assert cap_for_payment_behaviour(Grade.A, 30, strict) is Grade.A
    with pytest.raises(RuleViolation):
        PaymentBehaviourCap(more_than_days=-1)


def test_computed_grade_combines_value_and_cap() -> None:
    assert computed_grade(Decimal(6_000_000), DEFAULT) is Grade.A
    assert computed_grade(Decimal(6_000_000), DEFAULT, 120, CAP) is Grade.B
    assert computed_grade(Decimal(6_000_000), DEFAULT, None, CAP) is Grade.A


@given(st.sampled_from(Grade), st.none() | st.integers(-100, 1000))
def test_cap_never_raises_and_bounds_grade(grade: Grade, days: int | None) -> None:
    capped = cap_for_payment_behaviour(grade, days, CAP)
    assert capped.rank <= grade.rank
    if days is not None and days > 90:
        assert capped.rank <= Grade.B.rank


# --- overrides and history -----------------------------------------------------------


def test_override_needs_a_reason() -> None:
    with pytest.raises(RuleViolation, match="reason"):
        GradeOverride(Grade.A, "   ")
    with pytest.raises(RuleViolation, match="reason"):
        GradeOverride(Grade.A, "")


def test_override_wins_until_it_expires() -> None:
    override = GradeOverride(Grade.A, "strategic government client", date(2026, 7, 1))
    assert effective_grade(Grade.C, override, date(2026, 6, 30)) == EffectiveGrade(
        Grade.A, GradeSource.OVERRIDE, "strategic government client"
    )
    assert effective_grade(Grade.C, override, date(2026, 7, 1)) == EffectiveGrade(
        Grade.C, GradeSource.COMPUTED
    )


def test_override_without_expiry_and_no_override() -> None:
    forever = GradeOverride(Grade.B, "board decision")
    assert effective_grade(Grade.A, forever, date(2099, 1, 1)).grade is Grade.B
    assert effective_grade(Grade.A, None, date(2026, 1, 1)) == EffectiveGrade(
        Grade.A, GradeSource.COMPUTED
    )


def test_grade_history_records_changes_only() -> None:
    computed_a = EffectiveGrade(Grade.A, GradeSource.COMPUTED)
    computed_b = EffectiveGrade(Grade.B, GradeSource.COMPUTED)
    override_a = EffectiveGrade(Grade.A, GradeSource.OVERRIDE, "key relationship")
    assert must_record_grade_change(None, computed_b)
    assert must_record_grade_change(computed_b, computed_a)
    assert not must_record_grade_change(computed_a, EffectiveGrade(Grade.A, GradeSource.COMPUTED))
    assert must_record_grade_change(computed_a, override_a)  # same letter, new basis
    assert must_record_grade_change(override_a, computed_a)  # override expired


# --- credit score --------------------------------------------------------------------


def test_credit_adjustment_within_limits() -> None:
    assert check_credit_adjustment(70, 5, 10) == 75
    assert check_credit_adjustment(70, -10, 10) == 60
    assert check_credit_adjustment(95, 5, 10) == 100
    assert check_credit_adjustment(5, -5, 10) == 0
    assert check_credit_adjustment(500, 50, 100, floor=300, ceiling=850) == 550


@pytest.mark.parametrize(
    ("current", "delta", "max_delta", "refusal", "message"),
    [
        (70, 5, None, CreditRefusal.NO_AUTHORITY, "no authority"),
        (70, 0, 10, CreditRefusal.ZERO_DELTA, "changes nothing"),
        (70, 11, 10, CreditRefusal.BEYOND_AUTHORITY, "+11 exceeds the authority limit of ±10"),
        (70, -11, 10, CreditRefusal.BEYOND_AUTHORITY, "-11 exceeds"),
        (70, 1, 0, CreditRefusal.BEYOND_AUTHORITY, "limit of ±0"),
        (96, 5, 10, CreditRefusal.ABOVE_CEILING, "96 +5 = 101 is above the ceiling of 100"),
        (4, -5, 10, CreditRefusal.BELOW_FLOOR, "4 -5 = -1 is below the floor of 0"),
    ],
)
def test_credit_adjustment_refusals(
    current: int, delta: int, max_delta: int | None, refusal: CreditRefusal, message: str
) -> None:
    with pytest.raises(CreditAdjustmentRefused, match=re.escape(message)) as caught:
        check_credit_adjustment(current, delta, max_delta)
    assert caught.value.refusal is refusal
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("current", "max_delta", "floor", "ceiling"),
    [(101, 10, 0, 100), (-1, 10, 0, 100), (50, -1, 0, 100), (50, 10, 60, 40)],
)
def test_credit_adjustment_inconsistent_inputs(
    current: int, max_delta: int, floor: int, ceiling: int
) -> None:
    with pytest.raises(RuleViolation):
        check_credit_adjustment(current, 1, max_delta, floor, ceiling)


@given(st.integers(0, 100), st.integers(-150, 150), st.none() | st.integers(0, 120))
def test_credit_adjustment_result_is_in_bounds_or_refused(
    current: int, delta: int, max_delta: int | None
) -> None:
    try:
        new = check_credit_adjustment(current, delta, max_delta)
    except CreditAdjustmentRefused:
        ok = max_delta is not None and delta != 0 and abs(delta) <= max_delta
        assert not ok or not 0 <= current + delta <= 100
    else:
        assert new == current + delta
        assert 0 <= new <= 100
        assert max_delta is not None and 0 < abs(delta) <= max_delta


# --- trailing twelve months ----------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "start"),
    [
        (date(2025, 6, 15), date(2024, 6, 16)),
        (date(2025, 12, 31), date(2025, 1, 1)),
        (date(2025, 1, 1), date(2024, 1, 2)),
        (date(2024, 2, 29), date(2023, 3, 1)),
        (date(2025, 2, 28), date(2024, 2, 29)),
        (date(2025, 3, 1), date(2024, 3, 2)),
    ],
)
def test_trailing_twelve_months(as_of: date, start: date) -> None:
    assert trailing_twelve_months(as_of) == (start, as_of)


@given(st.dates(min_value=date(1901, 1, 1), max_value=date(9998, 12, 31)))
def test_trailing_window_properties(as_of: date) -> None:
    start, end = trailing_twelve_months(as_of)
    assert end == as_of
    assert 365 <= (end - start).days + 1 <= 366
    next_start, _ = trailing_twelve_months(as_of + timedelta(days=1))
    assert start <= next_start <= start + timedelta(days=2)  # slides, never back
