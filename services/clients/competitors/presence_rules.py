"""Pure rules of competitor intelligence: the win rate against a competitor."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def win_rate(won_against: int, lost_to: int) -> Decimal | None:
    """won ÷ (won + lost) × 100, half-up to 0.01; None when we never met the competitor."""
    met = won_against + lost_to
    if met == 0:
        return None
    return (Decimal(won_against) * 100 / Decimal(met)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
