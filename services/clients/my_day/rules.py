"""Pure rules of a person's day: which birthdays fall in the coming week."""

from __future__ import annotations

from calendar import isleap
from datetime import date, timedelta

BIRTHDAY_WINDOW_DAYS = 7
"""Today and the six days after it: "this week" as a screen that looks ahead reads it."""
RENEWAL_WINDOW_DAYS = 90
"""A signed contract ending within this many days, not yet renewed, is up for renewal."""


def next_birthday(birthday: date, today: date) -> date:
    """The next date (today included) on which ``birthday`` is celebrated; a 29 February
    birthday is kept on 28 February in common years."""
    for year in (today.year, today.year + 1):
        try:
            candidate = birthday.replace(year=year)
        except ValueError:  # 29 February in a common year
            candidate = date(year, 2, 28)
        if candidate >= today:
            return candidate
    raise AssertionError("a birthday recurs within a year")  # pragma: no cover


def birthday_within(birthday: date, today: date, days: int = BIRTHDAY_WINDOW_DAYS) -> bool:
    """Whether ``birthday`` is celebrated on ``today`` or one of the ``days - 1`` after."""
    return next_birthday(birthday, today) < today + timedelta(days=days)


def month_days_within(today: date, days: int = BIRTHDAY_WINDOW_DAYS) -> list[str]:
    """The ``MM-DD`` of every birthday celebrated on ``today`` or one of the ``days - 1``
    after (a superset :func:`birthday_within` confirms): each day of the window, and
    ``02-29`` when the window holds 28 February of a common year."""
    window = [today + timedelta(days=n) for n in range(days)]
    found = {f"{day.month:02d}-{day.day:02d}" for day in window}
    if any(day.month == 2 and day.day == 28 and not isleap(day.year) for day in window):
        found.add("02-29")
    return sorted(found)
