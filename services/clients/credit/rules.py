"""Pure rules of credit authority (信用分数调整权限): a limit per account per period,
summed over one actor's adjustments by absolute value."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo


class AuthorityPeriod(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


def period_start(at: datetime, timezone: str, period: AuthorityPeriod) -> datetime:
    """The instant the authority period holding ``at`` began, in the company's zone (a
    month starts at 00:00 on its 1st there, not in UTC)."""
    local = at.astimezone(ZoneInfo(timezone))
    month = {
        AuthorityPeriod.MONTH: local.month,
        AuthorityPeriod.QUARTER: local.month - (local.month - 1) % 3,
        AuthorityPeriod.YEAR: 1,
    }[period]
    return local.replace(month=month, day=1, hour=0, minute=0, second=0, microsecond=0)


def within_authority(used: int, delta: int, limit: int) -> bool:
    """Whether an adjustment by ``delta`` keeps the actor within ``limit`` on this account
    in this period, given the absolute deltas ``used`` there already. Lowering counts as
    much as raising: −3 after +3 is 6 points of authority, not 0."""
    return used + abs(delta) <= limit
