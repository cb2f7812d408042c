"""Pure rules of satisfaction surveys: which periods they cover and when they may be
taken. No I/O."""

from __future__ import annotations

from datetime import date

from shared.periods import Month, Quarter, parse_period

SURVEY_PERIOD_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2]|Q[1-4])$"


def survey_period(text: str) -> Month | Quarter:
    """A survey's period: a month (``2026-11``) or a quarter (``2026-Q4``), not a year."""
    period = parse_period(text)
    if not isinstance(period, Month | Quarter):
        raise ValueError(f"{text!r} is a year; a survey covers a month or a quarter")
    return period


def surveyed_on_problem(period: Month | Quarter, surveyed_on: date, today: date) -> str | None:
    """Why ``surveyed_on`` cannot date a survey of ``period``, or None when it can: the day
    lies inside the period and is not in the future."""
    if surveyed_on > today:
        return f"surveyed_on {surveyed_on} is in the future"
    if not period.contains(surveyed_on):
        return (
            f"surveyed_on {surveyed_on} is outside the period {period} "
            f"({period.start_date} to {period.end_date})"
        )
    return None
