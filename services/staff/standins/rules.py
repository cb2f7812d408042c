"""Pure rules of stand-ins: date ranges in the company calendar."""

from __future__ import annotations

from datetime import date


def ranges_overlap(first: tuple[date, date], second: tuple[date, date]) -> bool:
    """Whether two inclusive day ranges share at least one day."""
    return first[0] <= second[1] and second[0] <= first[1]


def covers(starts_on: date, ends_on: date, day: date) -> bool:
    """Whether a stand-in range includes ``day``."""
    return starts_on <= day <= ends_on
