"""Pure rules of quotations (报价单): line and total amounts to the cent, the discount a
quotation grants, the author's discount authority (折扣权限) and the state machine."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from shared.money import quantize_cents

HUNDRED = Decimal(100)
PERCENT_PLACES = Decimal("0.01")


class QuotationState(StrEnum):
    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EXPIRED = "expired"


# Who may move a quotation where. Submitting goes to approved (within the author's
# authority) or pending_approval (above it); a refusal sends it back to draft.
TRANSITIONS: Mapping[QuotationState, frozenset[QuotationState]] = {
    QuotationState.DRAFT: frozenset({QuotationState.APPROVED, QuotationState.PENDING_APPROVAL}),
    QuotationState.PENDING_APPROVAL: frozenset({QuotationState.APPROVED, QuotationState.DRAFT}),
    QuotationState.APPROVED: frozenset({QuotationState.SENT, QuotationState.EXPIRED}),
    QuotationState.SENT: frozenset(
        {QuotationState.ACCEPTED, QuotationState.REJECTED, QuotationState.EXPIRED}
    ),
    QuotationState.ACCEPTED: frozenset(),
    QuotationState.REJECTED: frozenset(),
    QuotationState.EXPIRED: frozenset(),
}

# Versions still in play: their author or handover successor works on them.
OPEN_STATES = frozenset(
    {
        QuotationState.DRAFT,
        QuotationState.PENDING_APPROVAL,
        QuotationState.APPROVED,
        QuotationState.SENT,
    }
)


def may_move(current: QuotationState, target: QuotationState) -> bool:
    """Whether the state machine allows ``current`` → ``target``."""
    return target in TRANSITIONS[current]


def state_on(state: QuotationState, valid_until: date, today: date) -> QuotationState:
    """The state as read on ``today``: an approved or sent quotation past its validity
    date is expired (derived on read, like a contract past its end; nothing runs)."""
    if state in (QuotationState.APPROVED, QuotationState.SENT) and today > valid_until:
        return QuotationState.EXPIRED
    return state


@dataclass(frozen=True)
class PricedLine:
    """A line as priced: quantity × the catalogue's list price, less its discount (%)."""

    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal

    @property
    def list_amount(self) -> Decimal:
        """Quantity × list price, half-up to the cent."""
        return quantize_cents(self.quantity * self.unit_price)

    @property
    def net_amount(self) -> Decimal:
        """The line after its own discount, computed exactly and rounded once (half-up)."""
        exact = self.quantity * self.unit_price * (HUNDRED - self.discount_percent) / HUNDRED
        return quantize_cents(exact)


@dataclass(frozen=True)
class QuotationTotals:
    """What a quotation adds up to, in its one currency, every amount to the cent."""

    list_total: Decimal
    lines_total: Decimal
    total_discount_amount: Decimal
    total: Decimal
    effective_discount_percent: Decimal


def quotation_totals(
    lines: Sequence[PricedLine], total_discount_percent: Decimal
) -> QuotationTotals:
    """Sum the lines (each rounded once), take the total discount off their sum (rounded
    once, half-up) and say what the whole comes to against the list prices:
    ``effective_discount_percent`` = (1 − total ÷ list total) × 100, half-up to 0.01
    (0 for an empty or zero-priced quotation)."""
    list_total = sum((line.list_amount for line in lines), Decimal("0.00"))
    lines_total = sum((line.net_amount for line in lines), Decimal("0.00"))
    total_discount_amount = quantize_cents(lines_total * total_discount_percent / HUNDRED)
    total = lines_total - total_discount_amount
    effective = Decimal("0.00")
    if list_total > 0:
        effective = ((list_total - total) * HUNDRED / list_total).quantize(
            PERCENT_PLACES, rounding=ROUND_HALF_UP
        )
    return QuotationTotals(
        list_total=list_total,
        lines_total=lines_total,
        total_discount_amount=total_discount_amount,
        total=total,
        effective_discount_percent=effective,
    )


def compound_discount(line_percent: Decimal, total_percent: Decimal) -> Decimal:
    """The discount a line finally gets from its own and the total discount, exactly:
    1 − (1 − a)(1 − b), in percent (10 % and 10 % → 19 %)."""
    return line_percent + total_percent - line_percent * total_percent / HUNDRED


def granted_discount(line_discounts: Iterable[Decimal], total_discount_percent: Decimal) -> Decimal:
    """The largest discount the quotation grants on any line (its own compounded with the
    total discount). Authority is checked against this, not against the quotation's
    average: a deep discount on one product must not hide behind full-price lines."""
    granted = [compound_discount(d, total_discount_percent) for d in line_discounts]
    return max(granted, default=total_discount_percent)


def discount_limit(authority_limits: Mapping[str, Any]) -> Decimal | None:
    """The author's 折扣权限: ``authority_limits["approve_discount"]["max_discount_percent"]``
    from the approved position description (staff sends it as a decimal string). Anything
    missing, negative, over 100 or not a plain number is no authority (None): an
    unreadable limit must never grant more than intended."""
    grant = authority_limits.get("approve_discount")
    if not isinstance(grant, Mapping):
        return None
    value = grant.get("max_discount_percent")
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        return None
    try:
        limit = Decimal(value)
    except ArithmeticError:
        return None
    if not limit.is_finite() or limit < 0 or limit > HUNDRED:
        return None
    return limit


def within_discount_authority(granted: Decimal, limit: Decimal | None) -> bool:
    """Whether the author may grant ``granted`` % alone: no discount needs no authority;
    any discount needs a limit at least as large."""
    if granted == 0:
        return True
    return limit is not None and granted <= limit


def spread_total_discount(
    line_nets: Sequence[Decimal], total_discount_percent: Decimal
) -> list[Decimal]:
    """Each line's net after its share of the total discount, to the cent, summing exactly
    to the quotation's total (what the lines carry into a contract). Every line but the
    last takes its share rounded half-up; the last takes what is left of the total
    discount amount, so no cent is lost or made."""
    if not line_nets:
        return []
    lines_total = sum(line_nets, Decimal("0.00"))
    discount_left = quantize_cents(lines_total * total_discount_percent / HUNDRED)
    spread = []
    for net in line_nets[:-1]:
        share = quantize_cents(net * total_discount_percent / HUNDRED)
        discount_left -= share
        spread.append(net - share)
    spread.append(line_nets[-1] - discount_left)
    return spread
