"""Quotation rules: totals to the cent, the discount granted, the author's authority and
the state machine."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.clients.quotations.rules import (
    PricedLine,
    QuotationState,
    compound_discount,
    discount_limit,
    granted_discount,
    may_move,
    quotation_totals,
    spread_total_discount,
    state_on,
    within_discount_authority,
)

D = Decimal


def test_totals_by_hand_to_the_cent() -> None:
    lines = [
        # 3 × 333.33 = 999.99; less 7.5 % = 924.990750 → 924.99
        PricedLine(quantity=D("3"), unit_price=D("333.33"), discount_percent=D("7.5")),
        # 0.5 × 19.99 = 9.995 → list 10.00 (half-up); 2 % off: 9.79510 → 9.80
        PricedLine(quantity=D("0.5"), unit_price=D("19.99"), discount_percent=D("2")),
    ]
    totals = quotation_totals(lines, D("3"))
    assert totals.list_total == D("1009.99")
    assert totals.lines_total == D("934.79")
    # 3 % of 934.79 = 28.0437 → 28.04
    assert totals.total_discount_amount == D("28.04")
    assert totals.total == D("906.75")
    # (1009.99 - 906.75) / 1009.99 = 10.2218 % → 10.22
    assert totals.effective_discount_percent == D("10.22")


def test_half_cents_round_up_once_per_line() -> None:
    line = PricedLine(quantity=D("1"), unit_price=D("0.05"), discount_percent=D("10"))
    assert line.net_amount == D("0.05")  # 0.045 → 0.05, half-up
    assert quotation_totals([], D("5")).total == D("0.00")
    assert quotation_totals([], D("5")).effective_discount_percent == D("0.00")


def test_discounts_compound() -> None:
    assert compound_discount(D("10"), D("10")) == D("19")
    assert compound_discount(D("0"), D("4.5")) == D("4.5")
    assert compound_discount(D("100"), D("30")) == D("100")
    # the deepest line decides, not the average
    assert granted_discount([D("0"), D("12"), D("3")], D("0")) == D("12")
    assert granted_discount([], D("6")) == D("6")


def test_the_authority_is_read_from_the_position_limits() -> None:
    assert discount_limit({"approve_discount": {"max_discount_percent": "5"}}) == D("5")
    assert discount_limit({"approve_discount": {"max_discount_percent": 12}}) == D("12")
    # unreadable limits grant nothing
    for broken in ("-1", "101", "abc", "NaN", True, 5.5, None, [5]):
        assert discount_limit({"approve_discount": {"max_discount_percent": broken}}) is None
    assert discount_limit({"approve_discount": "5"}) is None
    assert discount_limit({"adjust_credit_score": {"max_delta": 5}}) is None


def test_within_authority() -> None:
    assert within_discount_authority(D("0"), None)
    assert not within_discount_authority(D("0.01"), None)
    assert within_discount_authority(D("5"), D("5"))
    assert not within_discount_authority(D("5.01"), D("5"))


def test_state_machine() -> None:
    s = QuotationState
    assert may_move(s.DRAFT, s.PENDING_APPROVAL)
    assert may_move(s.DRAFT, s.APPROVED)
    assert may_move(s.PENDING_APPROVAL, s.DRAFT)  # refused
    assert may_move(s.APPROVED, s.SENT)
    assert may_move(s.SENT, s.ACCEPTED)
    assert not may_move(s.DRAFT, s.SENT)
    assert not may_move(s.PENDING_APPROVAL, s.SENT)
    assert not may_move(s.APPROVED, s.ACCEPTED)
    for final in (s.ACCEPTED, s.REJECTED, s.EXPIRED):
        assert not any(may_move(final, target) for target in s)


def test_expiry_is_derived_on_read() -> None:
    until = date(2026, 12, 31)
    assert state_on(QuotationState.SENT, until, date(2026, 12, 31)) is QuotationState.SENT
    assert state_on(QuotationState.SENT, until, date(2027, 1, 1)) is QuotationState.EXPIRED
    assert state_on(QuotationState.APPROVED, until, date(2027, 1, 1)) is QuotationState.EXPIRED
    assert state_on(QuotationState.ACCEPTED, until, date(2027, 1, 1)) is QuotationState.ACCEPTED
    assert state_on(QuotationState.DRAFT, until, date(2027, 1, 1)) is QuotationState.DRAFT


percent = st.decimals(min_value=0, max_value=100, places=2)
lines_strategy = st.lists(
    st.builds(
        PricedLine,
        quantity=st.decimals(min_value=D("0.001"), max_value=10_000, places=3),
        unit_price=st.decimals(min_value=0, max_value=1_000_000, places=2),
        discount_percent=percent,
    ),
    max_size=12,
)


@given(lines=lines_strategy, total_discount=percent)
def test_totals_are_cents_and_never_exceed_the_list(
    lines: list[PricedLine], total_discount: Decimal
) -> None:
    totals = quotation_totals(lines, total_discount)
    for amount in (totals.list_total, totals.lines_total, totals.total):
        assert amount == amount.quantize(D("0.01"))
        assert amount >= 0
    assert totals.lines_total == sum((line.net_amount for line in lines), D(0))
    assert totals.total == totals.lines_total - totals.total_discount_amount
    assert totals.total <= totals.lines_total
    # each line is off by less than half a cent from its exact value, so the sum of
    # lines stays within half a cent per line of the list total
    assert totals.lines_total <= totals.list_total + D("0.01") * len(lines)
    assert D(0) <= totals.effective_discount_percent <= D(100) or totals.list_total == 0


@given(lines=st.lists(percent, max_size=10), total_discount=percent, limit=percent)
def test_granted_discount_bounds_every_line(
    lines: list[Decimal], total_discount: Decimal, limit: Decimal
) -> None:
    """Within authority means no line is discounted deeper than the limit."""
    granted = granted_discount(lines, total_discount)
    assert D(0) <= granted <= D(100)
    assert granted >= total_discount
    if within_discount_authority(granted, limit) and granted > 0:
        assert all(compound_discount(d, total_discount) <= limit for d in lines)


def test_spread_by_hand() -> None:
    # 3 % of 100.01 + 200.02 + 0.01 = 300.04 → 9.00; shares 3.00, 6.00, then the rest 0.00
    assert spread_total_discount([D("100.01"), D("200.02"), D("0.01")], D("3")) == [
        D("97.01"),
        D("194.02"),
        D("0.01"),
    ]
    assert spread_total_discount([], D("3")) == []


@given(lines=lines_strategy.filter(bool), total_discount=percent)
def test_spread_lines_sum_to_the_quotation_total(
    lines: list[PricedLine], total_discount: Decimal
) -> None:
    spread = spread_total_discount([line.net_amount for line in lines], total_discount)
    assert sum(spread, D(0)) == quotation_totals(lines, total_discount).total
    assert all(net == net.quantize(D("0.01")) for net in spread)
