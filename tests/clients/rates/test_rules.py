"""The conversion rule and the rate-in-force rule, property-tested."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.clients.rates.rules import is_currency_code, rate_in_force, to_base
from shared.money import CENT

amounts = st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal("99999999999.99"), places=2, allow_nan=False
)
rates = st.decimals(
    min_value=Decimal("0.00000001"), max_value=Decimal("99999"), places=8, allow_nan=False
)


@given(amounts, rates)
def test_the_base_currency_converts_at_one_whatever_the_rate(
    amount: Decimal, rate: Decimal
) -> None:
    assert to_base(amount, "CNY", "CNY", rate) == amount
    assert to_base(amount, "CNY", "CNY", None) == amount


@given(amounts, rates)
def test_conversion_is_to_the_cent_and_within_half_a_cent(amount: Decimal, rate: Decimal) -> None:
    converted = to_base(amount, "USD", "CNY", rate)
    assert converted == converted.quantize(CENT)
    assert abs(converted - amount * rate) <= Decimal("0.005")


@given(amounts, amounts, rates)
def test_conversion_keeps_the_order_of_amounts(a: Decimal, b: Decimal, rate: Decimal) -> None:
    low, high = sorted((a, b))
    assert to_base(low, "USD", "CNY", rate) <= to_base(high, "USD", "CNY", rate)


def test_halves_round_up() -> None:
    assert to_base(Decimal("0.01"), "USD", "CNY", Decimal("0.5")) == Decimal("0.01")
    assert to_base(Decimal("1.00"), "USD", "CNY", Decimal("7.12345")) == Decimal("7.12")
    assert to_base(Decimal("1.00"), "USD", "CNY", Decimal("7.125")) == Decimal("7.13")


def test_a_foreign_currency_needs_a_positive_rate() -> None:
    with pytest.raises(ValueError, match="rate is needed"):
        to_base(Decimal("1"), "USD", "CNY", None)
    with pytest.raises(ValueError, match="positive"):
        to_base(Decimal("1"), "USD", "CNY", Decimal("0"))


@given(
    st.lists(
        st.tuples(
            st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
            st.decimals(min_value=Decimal("0.1"), max_value=Decimal("10"), places=2),
        ),
        max_size=10,
        unique_by=lambda item: item[0],
    ),
    st.dates(min_value=date(2019, 1, 1), max_value=date(2031, 1, 1)),
)
def test_the_rate_in_force_is_the_latest_on_or_before_the_day(
    posted: list[tuple[date, Decimal]], on: date
) -> None:
    found = rate_in_force(posted, on)
    earlier = [item for item in posted if item[0] <= on]
    if not earlier:
        assert found is None
        return
    assert found is not None and found in posted and found[0] <= on
    assert all(not (found[0] < day <= on) for day, _ in posted)
    assert rate_in_force(posted, found[0]) == found
    assert rate_in_force(posted, on + timedelta(days=0)) == found


def test_currency_codes() -> None:
    assert is_currency_code("USD")
    assert not is_currency_code("usd")
    assert not is_currency_code("USDT")
