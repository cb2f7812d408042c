"""Allocating a batch of new payments in memory (services.clients.erp.batch_rules)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.clients.erp.batch_rules import LedgerLine, NewPayment, allocate_batch
from services.clients.receivables.rules import OpenLine, allocate_payment

CENTS = st.integers(min_value=1, max_value=500_000).map(lambda c: Decimal(c) / 100)
ACCOUNTS = st.integers(min_value=1, max_value=3)
CURRENCIES = st.sampled_from(["CNY", "USD"])


@st.composite
def ledgers(draw: st.DrawFn) -> list[LedgerLine]:
    count = draw(st.integers(min_value=0, max_value=12))
    return [
        LedgerLine(
            line_id=n + 1,
            invoice_id=draw(st.integers(min_value=1, max_value=4)),
            account_id=draw(ACCOUNTS),
            currency=draw(CURRENCIES),
            due_date=date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 90))),
            open_amount=draw(CENTS),
        )
        for n in range(count)
    ]


@st.composite
def batches(draw: st.DrawFn) -> list[NewPayment]:
    count = draw(st.integers(min_value=0, max_value=10))
    return [
        NewPayment(f"P{n}", draw(ACCOUNTS), draw(CURRENCIES), draw(CENTS)) for n in range(count)
    ]


def one_at_a_time(
    payments: list[NewPayment], lines: list[LedgerLine]
) -> dict[str, list[tuple[str, Decimal]]]:
    """What applying them in order would allocate, each reading the lines left open."""
    still_open = {line.line_id: line.open_amount for line in lines}
    made: dict[str, list[tuple[str, Decimal]]] = {}
    for payment in payments:
        ledger = sorted(
            (
                line
                for line in lines
                if (line.account_id, line.currency) == (payment.account_id, payment.currency)
                and still_open[line.line_id] > 0
            ),
            key=lambda line: (line.due_date, line.line_id),
        )
        plan = allocate_payment(
            payment.amount,
            [
                OpenLine(str(line.line_id), line.due_date, still_open[line.line_id])
                for line in ledger
            ],
        )
        for step in plan.allocations:
            still_open[int(step.line_id)] -= step.amount
        made[payment.key] = [(step.line_id, step.amount) for step in plan.allocations]
    return made


@given(batches(), ledgers())
def test_a_batch_allocates_as_one_at_a_time_and_loses_no_money(
    payments: list[NewPayment], lines: list[LedgerLine]
) -> None:
    lines = sorted(lines, key=lambda line: (line.due_date, line.line_id))  # as read
    plans, still_open = allocate_batch(payments, lines)
    assert set(plans) == {payment.key for payment in payments}  # each counted once
    by_id = {line.line_id: line for line in lines}
    allocated_to: dict[int, Decimal] = {}
    for payment in payments:
        plan = plans[payment.key]
        allocated = sum((step.amount for step in plan.allocations), Decimal(0))
        assert allocated + plan.unallocated == payment.amount  # money conserved
        for step in plan.allocations:
            line = by_id[int(step.line_id)]
            assert step.amount > 0
            assert (line.account_id, line.currency) == (payment.account_id, payment.currency)
            allocated_to[line.line_id] = allocated_to.get(line.line_id, Decimal(0)) + step.amount
    for line in lines:
        taken = allocated_to.get(line.line_id, Decimal(0))
        assert taken <= line.open_amount  # no line over-paid
        assert still_open[line.line_id] == line.open_amount - taken
    expected = one_at_a_time(payments, lines)
    assert {
        key: [(step.line_id, step.amount) for step in plan.allocations]
        for key, plan in plans.items()
    } == expected
