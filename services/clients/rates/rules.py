"""Pure rules of exchange rates: which rate applies on a day, and converting to the base
currency. No I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from shared.money import quantize_cents

CURRENCY_PATTERN = r"^[A-Z]{3}$"
_CURRENCY = re.compile(CURRENCY_PATTERN)


class MissingRate(LookupError):
    """No rate of a foreign currency is in force on the day asked for."""

    def __init__(self, currency: str, base: str, on: date) -> None:
        super().__init__(f"no {currency}→{base} exchange rate is in force on {on.isoformat()}")
        self.currency = currency
        self.base = base
        self.on = on


def is_currency_code(code: str) -> bool:
    """Three upper-case letters (ISO 4217 form, as :class:`shared.money.Money` accepts)."""
    return bool(_CURRENCY.fullmatch(code))


def rate_in_force(rates: Iterable[tuple[date, Decimal]], on: date) -> tuple[date, Decimal] | None:
    """The (effective_on, rate) that applies on ``on``: the latest effective on or before it.

    The SQL lookup in the repository does the same; this is its reference definition.
    """
    candidates = [item for item in rates if item[0] <= on]
    return max(candidates, key=lambda item: item[0]) if candidates else None


def to_base(amount: Decimal, currency: str, base: str, rate: Decimal | None) -> Decimal:
    """``amount`` of ``currency`` in the base currency, rounded half-up to the cent.

    ``rate`` is base units per one unit of ``currency``; the base currency itself
    converts at 1 whatever ``rate`` says. A foreign currency without a rate raises
    :class:`ValueError`, as does a rate that is not positive.
    """
    if currency == base:
        return quantize_cents(amount)
    if rate is None:
        raise ValueError(f"a rate is needed to convert {currency} to {base}")
    if rate <= 0:
        raise ValueError(f"an exchange rate must be positive, got {rate}")
    return quantize_cents(amount * rate)
