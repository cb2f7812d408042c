"""The company's calendar for the clients service (DESIGN.md rule 11)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo


def company_today(timezone: str) -> Callable[[], date]:
    """A function returning today's date in the company's time zone."""
    zone = ZoneInfo(timezone)

    def today() -> date:
        return datetime.now(zone).date()

    return today
