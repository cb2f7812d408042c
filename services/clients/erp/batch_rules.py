"""Allocating a batch of new payments over their accounts' open lines, in memory (no I/O).

The set-based applier (services.clients.erp.bulk_apply) reads every open line of the
batch's accounts once and allocates the payments in arrival order with the ledger's own
rule (``rules.allocate_payment``, oldest due first), each payment seeing what the ones
before it left open: the same result as applying them one at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from services.clients.receivables.rules import AllocationResult, OpenLine, allocate_payment


@dataclass(frozen=True)
class NewPayment:
    """A payment of the batch: ``key`` names it (its erp_ref)."""

    key: str
    account_id: int
    currency: str
    amount: Decimal


@dataclass(frozen=True)
class LedgerLine:
    """An open invoice line as read before the batch, oldest due first per account."""

    line_id: int
    invoice_id: int
    account_id: int
    currency: str
    due_date: date
    open_amount: Decimal


def allocate_batch(
    payments: Sequence[NewPayment], lines: Sequence[LedgerLine]
) -> tuple[dict[str, AllocationResult], dict[int, Decimal]]:
    """Each payment's allocations (line ids as strings, as the rule names them), and what
    stays open of every line afterwards."""
    still_open = {line.line_id: line.open_amount for line in lines}
    by_ledger: dict[tuple[int, str], list[LedgerLine]] = {}
    for line in lines:
        by_ledger.setdefault((line.account_id, line.currency), []).append(line)
    plans: dict[str, AllocationResult] = {}
    for payment in payments:
        candidates = [
            OpenLine(str(line.line_id), line.due_date, still_open[line.line_id])
            for line in by_ledger.get((payment.account_id, payment.currency), [])
            if still_open[line.line_id] > 0
        ]
        plan = allocate_payment(payment.amount, candidates)
        for step in plan.allocations:
            still_open[int(step.line_id)] -= step.amount
        plans[payment.key] = plan
    return plans, still_open
