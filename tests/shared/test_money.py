"""Money: exact decimal amounts with a currency, a string in JSON, never a float."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from shared.money import (
    MAX_ABS_AMOUNT,
    CurrencyMismatchError,
    ExactDecimal,
    Money,
    add,
    assert_same_currency,
    compare,
    parse_exact_decimal,
    quantize_cents,
    subtract,
    sum_money,
)

cents = st.integers(min_value=-(10**15), max_value=10**15).map(lambda c: Decimal(c) / 100)


# --- quantize_cents ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.005", "1.01"),  # half goes up (away from zero), not to even
        ("1.015", "1.02"),
        ("1.025", "1.03"),
        ("2.675", "2.68"),
        ("1.0049999", "1.00"),
        ("-1.005", "-1.01"),
        ("-0.004", "0.00"),
        ("2", "2.00"),
        ("1250", "1250.00"),
        ("0.125", "0.13"),
    ],
)
def test_quantize_cents_rounds_half_up(raw: str, expected: str) -> None:
    result = quantize_cents(Decimal(raw))
    assert result == Decimal(expected)
    assert str(result) == expected


def test_quantize_cents_accepts_int_and_normalises_negative_zero() -> None:
    assert str(quantize_cents(7)) == "7.00"
    assert str(quantize_cents(Decimal("-0.001"))) == "0.00"


@pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), 1.5])
def test_quantize_cents_refuses_non_finite_and_float(bad: object) -> None:
    with pytest.raises(ValueError):
        quantize_cents(bad)  # type: ignore[arg-type]


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**12), max_value=10**12))
def test_quantize_cents_is_within_half_a_cent_and_idempotent(value: Decimal) -> None:
    rounded = quantize_cents(value)
    assert abs(rounded - value) <= Decimal("0.005")
    assert rounded.as_tuple().exponent == -2
    assert quantize_cents(rounded) == rounded


# --- parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1250.00", "1250.00"), ("-3.5", "-3.5"), ("+7", "7"), (12, "12"), (Decimal("0.1"), "0.1")],
)
def test_parse_exact_decimal_accepts_strings_ints_decimals(raw: object, expected: str) -> None:
    assert parse_exact_decimal(raw) == Decimal(expected)


@pytest.mark.parametrize(
    "bad",
    [
        1.5,
        0.0,
        True,
        "1e3",
        "1_000",
        " 1",
        "",
        "abc",
        ".5",
        "NaN",
        "Infinity",
        Decimal("NaN"),
        None,
    ],
)
def test_parse_exact_decimal_refuses_everything_else(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_exact_decimal(bad)


# --- the model ------------------------------------------------------------------------------


def test_json_shape_has_the_amount_as_a_string() -> None:
    money = Money.of("1250", "CNY")
    assert money.model_dump_json() == '{"amount":"1250.00","currency":"CNY"}'
    assert money.model_dump(mode="json") == {"amount": "1250.00", "currency": "CNY"}
    assert money.model_dump() == {"amount": Decimal("1250.00"), "currency": "CNY"}
    assert str(money) == "1250.00 CNY"


@pytest.mark.parametrize("amount", ["1250.00", "1250", 1250, Decimal("1250.0")])
def test_accepts_string_int_and_decimal(amount: object) -> None:
    money = Money.model_validate({"amount": amount, "currency": "CNY"})
    assert money.amount == Decimal("1250.00")
    assert str(money.amount) == "1250.00"


def test_round_trips_through_json() -> None:
    money = Money.of("-0.07", "USD")
    assert Money.model_validate_json(money.model_dump_json()) == money


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ('{"amount": 1250.5, "currency": "CNY"}', "not a float"),
        ('{"amount": 1250.0, "currency": "CNY"}', "not a float"),
        ('{"amount": true, "currency": "CNY"}', "not a boolean"),
        ('{"amount": "NaN", "currency": "CNY"}', "not a plain decimal"),
        ('{"amount": "Infinity", "currency": "CNY"}', "not a plain decimal"),
        ('{"amount": "1.005", "currency": "CNY"}', "more than two decimal places"),
        ('{"amount": "1e3", "currency": "CNY"}', "not a plain decimal"),
        ('{"amount": "1", "currency": "cny"}', "three-letter upper-case"),
        ('{"amount": "1", "currency": "CN"}', "three-letter upper-case"),
        ('{"amount": "1", "currency": "CNYY"}', "three-letter upper-case"),
        ('{"amount": "1", "currency": 156}', "three-letter upper-case"),
        ('{"amount": "1"}', "Field required"),
        ('{"amount": "1", "currency": "CNY", "rate": "7"}', "Extra inputs"),
        ('{"amount": "100000000000000000", "currency": "CNY"}', "exceeds the largest"),
    ],
)
def test_refuses_bad_input_with_a_clear_message(payload: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Money.model_validate_json(payload)


def test_refuses_non_finite_decimal_in_python() -> None:
    with pytest.raises(ValidationError, match="not a finite number"):
        Money(amount=Decimal("Infinity"), currency="CNY")


def test_largest_storable_amount_is_accepted() -> None:
    assert Money(amount=MAX_ABS_AMOUNT, currency="CNY").amount == MAX_ABS_AMOUNT
    assert Money(amount=-MAX_ABS_AMOUNT, currency="CNY").amount == -MAX_ABS_AMOUNT


def test_rounded_constructor_rounds_half_up() -> None:
    assert Money.rounded(Decimal("10.005"), "CNY") == Money.of("10.01", "CNY")
    assert Money.zero("EUR") == Money.of(0, "EUR")


def test_is_frozen_and_hashable() -> None:
    money = Money.of(1, "CNY")
    with pytest.raises(ValidationError):
        money.amount = Decimal(2)  # type: ignore[misc]
    assert len({Money.of("1.00", "CNY"), Money.of(1, "CNY"), Money.of(1, "USD")}) == 2


def test_json_schema_documents_a_string_amount() -> None:
    schema = Money.model_json_schema()
    assert schema["properties"]["amount"]["type"] == "string"
    assert schema["properties"]["currency"]["pattern"] == "^[A-Z]{3}$"


# --- same-currency arithmetic ---------------------------------------------------------------


def test_add_subtract_compare_in_one_currency() -> None:
    a, b = Money.of("1250.00", "CNY"), Money.of("0.75", "CNY")
    assert add(a, b) == Money.of("1250.75", "CNY") == a + b
    assert subtract(a, b) == Money.of("1249.25", "CNY") == a - b
    assert compare(a, b) == 1 and compare(b, a) == -1 and compare(a, a) == 0
    assert b < a and b <= a and a > b and a >= b and a >= a
    assert -b == Money.of("-0.75", "CNY")


def test_mixing_currencies_raises() -> None:
    cny, usd = Money.of(1, "CNY"), Money.of(1, "USD")
    for operation in (add, subtract, compare):
        with pytest.raises(CurrencyMismatchError, match="CNY and USD"):
            operation(cny, usd)
    with pytest.raises(CurrencyMismatchError):
        _ = cny < usd
    with pytest.raises(CurrencyMismatchError):
        _ = cny + usd
    assert cny != usd


def test_operators_with_other_types_are_not_supported() -> None:
    with pytest.raises(TypeError):
        _ = Money.of(1, "CNY") + Decimal(1)  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = Money.of(1, "CNY") < 1  # type: ignore[operator]


def test_sum_money() -> None:
    items = [Money.of("0.10", "CNY"), Money.of("0.20", "CNY"), Money.of("0.30", "CNY")]
    assert sum_money(items) == Money.of("0.60", "CNY")
    assert sum_money([], "CNY") == Money.zero("CNY")
    with pytest.raises(ValueError, match="currency of an empty sum"):
        sum_money([])
    with pytest.raises(CurrencyMismatchError):
        sum_money([*items, Money.of(1, "USD")])
    with pytest.raises(CurrencyMismatchError):
        sum_money(items, "USD")
    assert assert_same_currency(*items) == "CNY"


def test_multiply_rounds_to_the_cent() -> None:
    assert Money.of("1000.00", "CNY").multiply(Decimal("1.2")) == Money.of("1200.00", "CNY")
    assert Money.of("0.05", "CNY").multiply(Decimal("0.5")) == Money.of("0.03", "CNY")


@given(st.lists(cents, min_size=1, max_size=20))
def test_sum_is_exact_and_order_independent(amounts: list[Decimal]) -> None:
    items = [Money(amount=a, currency="CNY") for a in amounts]
    total = sum_money(items)
    assert total.amount == sum(amounts, Decimal(0))
    assert sum_money(list(reversed(items))) == total


@given(cents)
def test_json_round_trip_never_uses_a_float(amount: Decimal) -> None:
    money = Money(amount=amount, currency="CNY")
    document = json.loads(money.model_dump_json())
    assert isinstance(document["amount"], str)
    assert Money.model_validate(document) == money


def test_exact_decimal_field_type() -> None:
    class Threshold(BaseModel):
        value: ExactDecimal

    assert Threshold(value="60.5").model_dump_json() == '{"value":"60.5"}'  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="not a float"):
        Threshold.model_validate_json('{"value": 60.5}')
    # The contract says a string only (no number-or-string union for generated clients);
    # the validator still reads a whole number.
    schema = Threshold.model_json_schema()["properties"]["value"]
    assert schema["type"] == "string" and "anyOf" not in schema
    assert Threshold.model_validate_json('{"value": 60}').value == Decimal(60)
