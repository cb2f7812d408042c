"""Which birthdays fall in the coming week (pure rule)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.clients.my_day.rules import birthday_within, month_days_within, next_birthday


def test_the_next_birthday_is_this_year_or_next() -> None:
    assert next_birthday(date(1980, 12, 5), date(2026, 12, 5)) == date(2026, 12, 5)
    assert next_birthday(date(1980, 12, 4), date(2026, 12, 5)) == date(2027, 12, 4)
    assert next_birthday(date(1980, 1, 2), date(2026, 12, 30)) == date(2027, 1, 2)


def test_a_leap_day_birthday_is_kept_on_28_february_in_common_years() -> None:
    assert next_birthday(date(1988, 2, 29), date(2027, 2, 1)) == date(2027, 2, 28)
    assert next_birthday(date(1988, 2, 29), date(2028, 2, 1)) == date(2028, 2, 29)


def test_the_window_is_today_and_the_six_days_after() -> None:
    today = date(2026, 12, 28)
    assert birthday_within(date(1970, 12, 28), today)
    assert birthday_within(date(1970, 1, 3), today)  # across the new year
    assert not birthday_within(date(1970, 1, 4), today)
    assert not birthday_within(date(1970, 12, 27), today)


@given(
    birthday=st.dates(date(1930, 1, 1), date(2010, 12, 31)),
    today=st.dates(date(2020, 1, 1), date(2040, 12, 31)),
)
def test_the_next_birthday_is_within_a_year_on_the_same_day(birthday: date, today: date) -> None:
    upcoming = next_birthday(birthday, today)
    assert today <= upcoming < today + timedelta(days=367)
    if (birthday.month, birthday.day) != (2, 29):
        assert (upcoming.month, upcoming.day) == (birthday.month, birthday.day)
    assert birthday_within(birthday, today) == ((upcoming - today).days < 7)


@given(
    st.dates(date(1900, 1, 1), date(2100, 12, 31)), st.dates(date(2000, 1, 1), date(2099, 12, 1))
)
def test_the_month_days_of_the_week_hold_every_birthday_within_it(
    birthday: date, today: date
) -> None:
    if birthday_within(birthday, today):
        assert f"{birthday.month:02d}-{birthday.day:02d}" in month_days_within(today)


def test_a_leap_day_birthday_is_read_in_a_common_year_week_with_28_february() -> None:
    assert "02-29" in month_days_within(date(2027, 2, 25))
    assert "02-29" not in month_days_within(date(2027, 2, 10))
