"""Periods: months, quarters and years in the company's time zone."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from shared.periods import (
    MAX_YEAR,
    MIN_YEAR,
    AnyPeriod,
    Month,
    Period,
    PeriodKind,
    Quarter,
    Year,
    parse_period,
    period_of,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")

months = st.builds(Month, st.integers(2000, 2100), st.integers(1, 12))
quarters = st.builds(Quarter, st.integers(2000, 2100), st.integers(1, 4))
years = st.builds(Year, st.integers(2000, 2100))
periods = st.one_of(months, quarters, years)
moments = st.datetimes(
    min_value=datetime(2000, 1, 2), max_value=datetime(2100, 12, 30), timezones=st.just(UTC)
)


# --- text forms -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("2026-11", Month(2026, 11)),
        ("2026-01", Month(2026, 1)),
        ("2026-Q4", Quarter(2026, 4)),
        ("2026-Q1", Quarter(2026, 1)),
        ("2026", Year(2026)),
    ],
)
def test_parse_and_format(text: str, period: Period) -> None:
    assert parse_period(text) == period
    assert type(period).parse(text) == period
    assert str(period) == text


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-00", "2026-1", "26-11", "2026-Q5", "2026-Q0", "2026-q4", "", "x"]
)
def test_parse_refuses_malformed_text(text: str) -> None:
    with pytest.raises(ValueError):
        parse_period(text)


def test_each_kind_parses_only_its_own_form() -> None:
    with pytest.raises(ValueError, match="expected YYYY-MM"):
        Month.parse("2026-Q4")
    with pytest.raises(ValueError, match="expected YYYY-Qn"):
        Quarter.parse("2026-11")
    with pytest.raises(ValueError, match="expected YYYY such as"):
        Year.parse("2026-11")


@pytest.mark.parametrize(
    ("factory", "error"),
    [
        (lambda: Month(2026, 13), ValueError),
        (lambda: Month(2026, 0), ValueError),
        (lambda: Quarter(2026, 5), ValueError),
        (lambda: Year(MIN_YEAR - 1), ValueError),
        (lambda: Year(MAX_YEAR + 1), ValueError),
        (lambda: Month(2026, True), TypeError),
        (lambda: Year("2026"), TypeError),
    ],
)
def test_construction_is_validated(factory: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        factory()  # type: ignore[operator]


@given(periods)
def test_text_round_trip(period: Period) -> None:
    assert parse_period(str(period)) == period


# --- days -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        (Month(2026, 2), date(2026, 2, 1), date(2026, 2, 28)),
        (Month(2028, 2), date(2028, 2, 1), date(2028, 2, 29)),
        (Month(2026, 12), date(2026, 12, 1), date(2026, 12, 31)),
        (Quarter(2026, 1), date(2026, 1, 1), date(2026, 3, 31)),
        (Quarter(2026, 4), date(2026, 10, 1), date(2026, 12, 31)),
        (Year(2026), date(2026, 1, 1), date(2026, 12, 31)),
        (Month(MAX_YEAR, 12), date(MAX_YEAR, 12, 1), date(MAX_YEAR, 12, 31)),
    ],
)
def test_start_and_end_dates_are_inclusive(period: Period, start: date, end: date) -> None:
    assert period.start_date == start
    assert period.end_date == end
    assert period.contains(start) and period.contains(end)
    assert not period.contains(start - timedelta(days=1))
    assert not period.contains(end + timedelta(days=1))


def test_contains_refuses_a_datetime() -> None:
    with pytest.raises(TypeError, match="contains_moment"):
        Month(2026, 11).contains(datetime(2026, 11, 1, tzinfo=UTC))


def test_months_of_each_kind() -> None:
    assert Month(2026, 11).months() == (Month(2026, 11),)
    assert Quarter(2026, 4).months() == (Month(2026, 10), Month(2026, 11), Month(2026, 12))
    assert Year(2026).months() == tuple(Month(2026, m) for m in range(1, 13))
    assert Year(2026).quarters() == tuple(Quarter(2026, q) for q in range(1, 5))


def test_next_and_previous_cross_year_boundaries() -> None:
    assert Month(2026, 12).next() == Month(2027, 1)
    assert Month(2027, 1).previous() == Month(2026, 12)
    assert Quarter(2026, 4).next() == Quarter(2027, 1)
    assert Quarter(2027, 1).previous() == Quarter(2026, 4)
    assert Year(2026).next() == Year(2027) and Year(2026).previous() == Year(2025)
    assert Month(2026, 11).plus(-23) == Month(2024, 12)
    assert Month(2026, 11).containing_quarter() == Quarter(2026, 4)
    assert Month(2026, 3).containing_year() == Year(2026)
    assert Quarter(2026, 2).containing_year() == Year(2026)
    assert (Quarter(2026, 2).first_month, Quarter(2026, 2).last_month) == (
        Month(2026, 4),
        Month(2026, 6),
    )


def test_ordering_and_hashing() -> None:
    assert Month(2025, 12) < Month(2026, 1) < Month(2026, 2)
    assert Quarter(2025, 4) < Quarter(2026, 1)
    assert sorted([Year(2027), Year(2025)]) == [Year(2025), Year(2027)]
    assert len({Month(2026, 1), Month(2026, 1), Quarter(2026, 1), Year(2026)}) == 3
    with pytest.raises(TypeError):
        _ = Month(2026, 1) < Quarter(2026, 1)  # type: ignore[operator]


def test_periods_are_frozen() -> None:
    with pytest.raises(AttributeError):
        Month(2026, 1).month = 2  # type: ignore[misc]


@given(months)
def test_next_then_previous_is_identity_and_months_tile(month: Month) -> None:
    assert month.next().previous() == month
    assert month.next().start_date == month.end_date + timedelta(days=1)


@given(st.one_of(quarters, years))
def test_months_tile_the_period(period: Quarter | Year) -> None:
    inner = period.months()
    assert inner[0].start_date == period.start_date
    assert inner[-1].end_date == period.end_date
    for earlier, later in itertools.pairwise(inner):
        assert later == earlier.next()


# --- time zone --------------------------------------------------------------------------------


def test_month_bounds_in_shanghai() -> None:
    start, end = Month(2026, 11).bounds_utc()
    assert start == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert start.tzinfo is UTC


def test_bounds_in_another_zone() -> None:
    assert Year(2026).bounds_utc("UTC") == (
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )
    plus_two = timezone(timedelta(hours=2))
    assert Month(2026, 1).bounds_utc(plus_two)[0] == datetime(2025, 12, 31, 22, tzinfo=UTC)


def test_half_past_midnight_on_the_first_belongs_to_the_new_month() -> None:
    moment = datetime(2026, 11, 1, 0, 30, tzinfo=SHANGHAI).astimezone(UTC)
    assert moment == datetime(2026, 10, 31, 16, 30, tzinfo=UTC)
    assert period_of(moment, PeriodKind.MONTH) == Month(2026, 11)
    assert period_of(moment, "quarter") == Quarter(2026, 4)
    assert period_of(moment, "year") == Year(2026)
    assert Month(2026, 11).contains_moment(moment)
    assert not Month(2026, 10).contains_moment(moment)
    # In UTC the same moment is still October.
    assert period_of(moment, "month", "UTC") == Month(2026, 10)


def test_new_year_boundary() -> None:
    last_moment_of_2026 = datetime(2026, 12, 31, 15, 59, 59, 999999, tzinfo=UTC)
    assert period_of(last_moment_of_2026, "year") == Year(2026)
    assert period_of(last_moment_of_2026 + timedelta(microseconds=1), "year") == Year(2027)


def test_period_of_refuses_a_naive_datetime_and_unknown_kind() -> None:
    with pytest.raises(ValueError, match="naive"):
        period_of(datetime(2026, 11, 1), "month")
    with pytest.raises(ValueError):
        period_of(datetime(2026, 11, 1, tzinfo=UTC), "week")


def test_bounds_follow_daylight_saving_time() -> None:
    # New York: March 2026 starts at UTC-5, April at UTC-4 (DST from 8 March).
    start, end = Month(2026, 3).bounds_utc("America/New_York")
    assert start == datetime(2026, 3, 1, 5, tzinfo=UTC)
    assert end == datetime(2026, 4, 1, 4, tzinfo=UTC)


def test_a_skipped_midnight_starts_the_day_at_the_transition() -> None:
    # Santiago moved its clocks from 00:00 to 01:00 on 3 September 2023: that local day
    # has no midnight and begins at the transition instant, 04:00 UTC.
    start, _ = Month(2023, 9).bounds_utc("America/Santiago")
    assert start == datetime(2023, 9, 1, 4, tzinfo=UTC)
    day_start = datetime(2023, 9, 3, 0, tzinfo=ZoneInfo("America/Santiago")).astimezone(UTC)
    assert day_start == datetime(2023, 9, 3, 4, tzinfo=UTC)


@given(moments, st.sampled_from(list(PeriodKind)))
def test_period_of_agrees_with_bounds(moment: datetime, kind: PeriodKind) -> None:
    period = period_of(moment, kind)
    start, end = period.bounds_utc()
    assert start <= moment < end
    assert period.contains_moment(moment)
    assert not period.next().contains_moment(moment)
    assert not period.previous().contains_moment(moment)


@given(periods)
def test_bounds_are_adjacent(period: Period) -> None:
    _, end = period.bounds_utc()
    next_start, _ = period.next().bounds_utc()
    assert end == next_start


# --- pydantic ---------------------------------------------------------------------------------


class Cycle(BaseModel):
    month: Month
    period: AnyPeriod
    quarter: Quarter | None = None


def test_pydantic_fields_read_and_write_text() -> None:
    cycle = Cycle.model_validate_json('{"month": "2026-11", "period": "2026-Q4"}')
    assert cycle.month == Month(2026, 11)
    assert cycle.period == Quarter(2026, 4)
    assert cycle.model_dump_json() == '{"month":"2026-11","period":"2026-Q4","quarter":null}'
    assert cycle.model_dump()["month"] == "2026-11"
    assert Cycle(month=Month(2026, 1), period=Year(2026)).period == Year(2026)


@pytest.mark.parametrize(
    "payload",
    [
        '{"month": "2026-13", "period": "2026"}',
        '{"month": "2026-Q4", "period": "2026"}',
        '{"month": 202611, "period": "2026"}',
        '{"month": "2026-11", "period": "2026-W47"}',
    ],
)
def test_pydantic_refuses_bad_periods(payload: str) -> None:
    with pytest.raises(ValidationError):
        Cycle.model_validate_json(payload)


def test_json_schema_is_a_string_with_a_pattern() -> None:
    properties = Cycle.model_json_schema()["properties"]
    assert properties["month"]["type"] == "string"
    assert properties["month"]["pattern"] == r"^\d{4}-(0[1-9]|1[0-2])$"
    assert properties["period"]["examples"] == ["2026-11", "2026-Q4", "2026"]
