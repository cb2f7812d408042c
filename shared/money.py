"""Money: an exact decimal amount with its currency, never a float.

JSON shape (DESIGN.md rule 12): ``{"amount": "1250.00", "currency": "CNY"}``, the amount a
decimal *string* so that no client ever parses it as a float. Input accepts a decimal
string, an integer or a :class:`~decimal.Decimal`; floats, booleans and non-finite values
(``NaN``, ``Infinity``) are refused with a clear message.

Amounts are held to the cent (two decimal places), the resolution of every table that
stores money (``NUMERIC(18, 2)``); arithmetic on amounts of different currencies raises
:class:`CurrencyMismatchError` instead of silently mixing them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
)

__all__ = [
    "CENT",
    "MAX_ABS_AMOUNT",
    "CurrencyMismatchError",
    "ExactDecimal",
    "Money",
    "add",
    "assert_same_currency",
    "compare",
    "format_decimal",
    "parse_exact_decimal",
    "quantize_cents",
    "subtract",
    "sum_money",
]

CENT = Decimal("0.01")
"""The smallest unit an amount is kept to."""

MAX_ABS_AMOUNT = Decimal("9999999999999999.99")
"""The largest magnitude ``NUMERIC(18, 2)`` holds; larger amounts are refused."""

_DECIMAL_TEXT = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")  # not \d: it takes １２３ too
MAX_DECIMAL_TEXT = 32
"""The longest decimal string accepted (20 integer and 10 fraction digits, a sign, a dot)."""
_CURRENCY_CODE = re.compile(r"[A-Z]{3}")


class CurrencyMismatchError(ValueError):
    """Two amounts in different currencies were added, subtracted or compared."""

    def __init__(self, left: str, right: str) -> None:
        super().__init__(
            f"cannot combine amounts in different currencies: {left} and {right}; "
            "convert to one currency first"
        )
        self.left = left
        self.right = right


def parse_exact_decimal(value: object) -> Decimal:
    """Turn a decimal string, an int or a Decimal into a finite Decimal; refuse the rest.

    Floats are refused because their binary value is not the decimal the sender meant;
    booleans because ``True`` is not a number anyone means to send. Strings must be plain
    decimal notation (``"-1250.5"``): no exponent, no underscores, no surrounding spaces.
    """
    if isinstance(value, bool):
        raise ValueError("expected a decimal string or an integer, not a boolean")
    if isinstance(value, float):
        raise ValueError(
            'expected a decimal string or an integer, not a float (send e.g. "1250.00")'
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        if abs(value) >= 10**20:
            raise ValueError(f"{value} has more than 20 digits")
        result = Decimal(value)
    elif isinstance(value, str):
        if len(value) > MAX_DECIMAL_TEXT or not _DECIMAL_TEXT.fullmatch(value):
            raise ValueError(f'{value!r} is not a plain decimal number such as "1250.00"')
        result = Decimal(value)
    else:
        raise ValueError(f"expected a decimal string or an integer, not {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"{result} is not a finite number")
    return result


def format_decimal(value: Decimal) -> str:
    """Render a Decimal in plain notation (never an exponent): ``Decimal("1E+3")`` → ``"1000"``."""
    return format(value, "f")


ExactDecimal = Annotated[
    Decimal,
    BeforeValidator(parse_exact_decimal),
    PlainSerializer(format_decimal, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^[+-]?[0-9]{1,20}(\.[0-9]{1,10})?$",
            "maxLength": MAX_DECIMAL_TEXT,
            "description": "A decimal, as a string (a whole number is read too).",
            "examples": ["1250.00"],
        }
    ),
]
"""A Decimal field that accepts only strings, ints and Decimals, and is a string in JSON.
The contract types it as a string only (generated clients then never send a float, and
no client sees a number-or-string union); a whole number is still read.

Use it for scores, percentages and thresholds in schemas and configuration, so that the
no-float rule holds for every number that feeds money or a score.
"""


def quantize_cents(value: Decimal | int) -> Decimal:
    """Round ``value`` to the cent, halves away from zero (ROUND_HALF_UP).

    ``1.005`` → ``1.01``, ``-1.005`` → ``-1.01``, ``2`` → ``2.00``. A negative zero comes
    back as ``0.00``. Non-finite values and floats raise :class:`ValueError`.
    """
    exact = parse_exact_decimal(value)
    try:
        rounded = exact.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:  # more digits than the context precision holds
        raise ValueError(f"{exact} is too large to round to the cent") from exc
    return rounded if rounded != 0 else abs(rounded)


class Money(BaseModel):
    """An amount to the cent with an ISO 4217 currency code, e.g. 1250.00 CNY.

    Construction refuses sub-cent amounts rather than rounding them silently; round first
    with :func:`quantize_cents` or :meth:`Money.rounded`. Instances are immutable and
    hashable; ``==`` compares amount and currency, the ordering operators refuse to compare
    different currencies.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={"examples": [{"amount": "1250.00", "currency": "CNY"}]},
    )

    amount: Annotated[
        Decimal,
        BeforeValidator(parse_exact_decimal),
        PlainSerializer(format_decimal, return_type=str, when_used="json"),
        WithJsonSchema(
            {
                "type": "string",
                "pattern": r"^[+-]?[0-9]{1,18}(\.[0-9]{1,2})?$",
                "maxLength": 22,
                "examples": ["1250.00"],
            }
        ),
    ]
    currency: Annotated[
        str,
        WithJsonSchema({"type": "string", "pattern": "^[A-Z]{3}$", "examples": ["CNY"]}),
    ]

    @field_validator("amount")
    @classmethod
    def _amount_to_the_cent(cls, value: Decimal) -> Decimal:
        if abs(value) > MAX_ABS_AMOUNT:
            raise ValueError(f"amount {value} exceeds the largest storable {MAX_ABS_AMOUNT}")
        rounded = quantize_cents(value)
        if rounded != value:
            raise ValueError(f"amount {value} has more than two decimal places")
        return rounded

    @field_validator("currency", mode="before")
    @classmethod
    def _currency_code(cls, value: object) -> object:
        if not isinstance(value, str) or not _CURRENCY_CODE.fullmatch(value):
            raise ValueError(
                f"currency must be a three-letter upper-case ISO 4217 code such as "
                f"'CNY', got {value!r}"
            )
        return value

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Self:
        """Build an amount from a Decimal, int or decimal string (at most two places)."""
        return cls(amount=amount, currency=currency)

    @classmethod
    def rounded(cls, amount: Decimal | int, currency: str) -> Self:
        """Build an amount after rounding ``amount`` to the cent (ROUND_HALF_UP)."""
        return cls(amount=quantize_cents(amount), currency=currency)

    @classmethod
    def zero(cls, currency: str) -> Self:
        """Zero in ``currency``."""
        return cls(amount=Decimal("0.00"), currency=currency)

    def __str__(self) -> str:
        return f"{format_decimal(self.amount)} {self.currency}"

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return add(self, other)

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return subtract(self, other)

    def __neg__(self) -> Money:
        return Money(amount=-self.amount, currency=self.currency)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return compare(self, other) < 0

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return compare(self, other) <= 0

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return compare(self, other) > 0

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return compare(self, other) >= 0

    def multiply(self, factor: Decimal | int) -> Money:
        """This amount times ``factor`` (e.g. a bonus coefficient), rounded to the cent."""
        return Money.rounded(self.amount * parse_exact_decimal(factor), self.currency)


def assert_same_currency(*amounts: Money) -> str:
    """Return the one currency of ``amounts``; raise :class:`CurrencyMismatchError` if mixed."""
    if not amounts:
        raise ValueError("at least one amount is needed to know the currency")
    currency = amounts[0].currency
    for amount in amounts[1:]:
        if amount.currency != currency:
            raise CurrencyMismatchError(currency, amount.currency)
    return currency


def add(left: Money, right: Money) -> Money:
    """``left + right``; both must be in the same currency."""
    currency = assert_same_currency(left, right)
    return Money(amount=left.amount + right.amount, currency=currency)


def subtract(left: Money, right: Money) -> Money:
    """``left - right``; both must be in the same currency."""
    currency = assert_same_currency(left, right)
    return Money(amount=left.amount - right.amount, currency=currency)


def compare(left: Money, right: Money) -> int:
    """-1, 0 or 1 as ``left`` is less than, equal to or greater than ``right`` (same currency)."""
    assert_same_currency(left, right)
    return (left.amount > right.amount) - (left.amount < right.amount)


def sum_money(amounts: Iterable[Money], currency: str | None = None) -> Money:
    """The total of ``amounts``, all in one currency.

    An empty iterable totals zero in ``currency``, which must then be given; when
    ``currency`` is given every amount must be in it.
    """
    items = list(amounts)
    if not items:
        if currency is None:
            raise ValueError("the currency of an empty sum must be given")
        return Money.zero(currency)
    found = assert_same_currency(*items)
    if currency is not None and found != currency:
        raise CurrencyMismatchError(currency, found)
    return Money(amount=sum((item.amount for item in items), Decimal(0)), currency=found)
