"""Pure rules of stand-ins: date ranges in the company calendar."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def ranges_overlap(first: tuple[date, date], second: tuple[date, date]) -> bool:
    """Whether two inclusive day ranges share at least one day."""
    return first[0] <= second[1] and second[0] <= first[1]


def company_day(moment: datetime, zone: str) -> date:
    """The company's calendar day at ``moment`` (aware): 00:30 in Shanghai is already that day."""
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware")
    return moment.astimezone(ZoneInfo(zone)).date()


def covers(starts_on: date, ends_on: date, day: date) -> bool:
    """Whether a stand-in range includes ``day``."""
    return starts_on <= day <= ends_on
