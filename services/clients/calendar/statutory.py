"""Statutory holidays and make-up working days (法定节假日 / 调休) from the State Council's
yearly notices: from the ``chinesecalendar`` package for the years it covers, and from a
data file shipped in ``statutory_days/<year>.json`` for a year it does not cover yet (or
to correct it). An admin's day in the database wins over these (see the service).

A file is a JSON list of ``{"day": "YYYY-MM-DD", "kind": "holiday" | "makeup_workday",
"name": "春节"}``; README.md, "Business calendar", says how a new year gets in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from chinese_calendar import get_holiday_detail

from services.clients.calendar.schemas import DayKind

SHIPPED = Path(__file__).with_name("statutory_days")

# The package names holidays in English; people read them in Chinese.
NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
MAKEUP_SUFFIX = "调休上班"


@dataclass(frozen=True)
class StatutoryDay:
    """One day a notice makes a holiday or a make-up working day."""

    day: date
    kind: DayKind
    name: str


def _shipped(year: int, directory: Path) -> tuple[StatutoryDay, ...] | None:
    path = directory / f"{year}.json"
    if not path.exists():
        return None
    rows = json.loads(path.read_text(encoding="utf-8"))
    days = tuple(
        StatutoryDay(date.fromisoformat(row["day"]), DayKind(row["kind"]), str(row["name"]))
        for row in rows
    )
    if wrong := [d.day for d in days if d.day.year != year]:
        raise ValueError(f"{path} lists days of another year: {wrong}")
    return tuple(sorted(days, key=lambda d: d.day))


def _from_package(year: int) -> tuple[StatutoryDay, ...]:
    days: list[StatutoryDay] = []
    day = date(year, 1, 1)
    while day.year == year:
        try:
            off, name = get_holiday_detail(day)
        except NotImplementedError:  # a year the package has no notice for
            return ()
        if name is not None:
            label = NAMES.get(name, name)
            if off:
                days.append(StatutoryDay(day, DayKind.HOLIDAY, label))
            else:
                days.append(StatutoryDay(day, DayKind.MAKEUP_WORKDAY, label + MAKEUP_SUFFIX))
        day += timedelta(days=1)
    return tuple(days)


@lru_cache(maxsize=64)
def statutory_year(year: int, directory: Path = SHIPPED) -> tuple[StatutoryDay, ...]:
    """The year's statutory days in order: the shipped file when there is one, else the
    package's; empty for a year neither covers (admins enter it, see README)."""
    shipped = _shipped(year, directory)
    return shipped if shipped is not None else _from_package(year)


def statutory_days(first: date, last: date) -> list[StatutoryDay]:
    """The statutory days from ``first`` to ``last`` inclusive, in order."""
    return [
        day
        for year in range(first.year, last.year + 1)
        for day in statutory_year(year)
        if first <= day.day <= last
    ]
