"""Numbers, amounts, days and periods in a request are written in ASCII digits only.

Python reads any Unicode digit: ``int("１２")``, ``Decimal("１２")`` and the regex ``\\d``
all take full-width digits (issue 18, defect 12), so an amount of ``"１２.００"`` was stored
although the contract's pattern says ``[0-9]``. Every number and date a route reads (body
fields at any depth, query, path, header and cookie parameters, walked as in
tests/request_walk.py) refuses them; so do the shared parsers of money and periods.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from shared.money import Money, parse_exact_decimal
from shared.periods import parse_period
from tests.request_walk import SERVICES, create_app, leaf_types, request_fields

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ASCII = str.maketrans("０１２３４５６７８９", "0123456789")
NUMBER_TYPES = (int, float, Decimal)
FULL_WIDTH_TEXTS = {
    int: ("１２", "1２"),
    float: ("１２", "１２.５"),
    Decimal: ("１２", "１２.００", "1２.00"),
    date: ("２０２６-11-20", "2026-11-2０"),
    datetime: ("２０２６-11-20T02:15:00+00:00", "2026-11-20T0２:15:00+00:00"),
}


def is_checked(annotation: Any) -> bool:
    return annotation in FULL_WIDTH_TEXTS


def base_of(leaf: Any) -> Any:
    return getattr(leaf, "__origin__", leaf)


def reads(annotation: Any, text: str) -> bool:
    # Parameters arrive as text (validate_python); a body's JSON string is the same text.
    try:
        TypeAdapter(annotation).validate_python(text)
    except ValidationError:
        return False
    return True


@pytest.fixture(scope="module")
def apps() -> dict[str, FastAPI]:
    return {service: create_app(service) for service in SERVICES}


@pytest.mark.parametrize("service", SERVICES)
def test_no_request_number_or_date_reads_full_width_digits(
    apps: dict[str, FastAPI], service: str
) -> None:
    lax: dict[str, list[str]] = {}
    checked = 0
    for where, reading in sorted(request_fields(apps[service]).items()):
        for leaf in leaf_types(reading.annotation, is_checked):
            checked += 1
            texts = FULL_WIDTH_TEXTS[base_of(leaf)]
            if read := [text for text in texts if reads(leaf, text)]:
                lax[f"{where} in {reading}"] = read
    assert checked > 10  # the walk found the fields
    # Use ExactDecimal (shared.money) for a decimal, IsoDay / IsoInstant for dates.
    assert lax == {}


@given(st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False))
def test_exact_decimals_refuse_full_width_digits_and_read_ascii(value: Decimal) -> None:
    text = format(value, "f")
    assert parse_exact_decimal(text) == value
    with pytest.raises(ValueError):
        parse_exact_decimal(text.translate(FULL_WIDTH))


def test_money_refuses_a_full_width_amount() -> None:
    with pytest.raises(ValidationError):
        Money.model_validate({"amount": "１２３.００", "currency": "CNY"})
    assert Money.model_validate({"amount": "123.00", "currency": "CNY"}).amount == Decimal("123")


@pytest.mark.parametrize("text", ["２０２６-１１", "２０２６-Q4", "２０２６", "2026-1１"])
def test_periods_refuse_full_width_digits(text: str) -> None:
    with pytest.raises(ValueError):
        parse_period(text)
    assert str(parse_period(text.translate(ASCII))) == text.translate(ASCII)


def patterns(leaf: Any) -> list[str]:
    return [
        str(item.pattern)
        for item in getattr(leaf, "__metadata__", ())
        if getattr(item, "pattern", None) is not None
    ]


@pytest.mark.parametrize("service", SERVICES)
def test_no_request_pattern_takes_unicode_digits(apps: dict[str, FastAPI], service: str) -> None:
    # Pydantic's regex engine reads \d as any Unicode digit: "E１２３４" matched ^E\d{4}$.
    found = {
        f"{where} in {reading}": pattern
        for where, reading in sorted(request_fields(apps[service]).items())
        for leaf in leaf_types(reading.annotation, lambda annotation: annotation is str)
        for pattern in patterns(leaf)
    }
    assert found, "the walk found no pattern"
    assert {where: pattern for where, pattern in found.items() if "\\d" in pattern} == {}
