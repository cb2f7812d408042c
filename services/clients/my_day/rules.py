"""Pure rules of a person's day: which birthdays fall in the coming week."""

from __future__ import annotations

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
