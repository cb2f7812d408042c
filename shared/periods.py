"""Calendar periods as explicit types: a month, a quarter, a year (DESIGN.md rules 6 and 11).

Text forms: ``"2026-11"`` (month), ``"2026-Q4"`` (quarter), ``"2026"`` (year). Every period
knows its first and last day, and its half-open ``[start, end)`` interval in UTC for the
company's time zone (default ``Asia/Shanghai``): a moment at 00:30 Shanghai time on
1 November — 16:30 UTC on 31 October — belongs to November.

Periods are frozen, hashable and ordered within their own kind, and work as pydantic
fields, read from and written as their text form (also by ``model_dump()``)::

    class CycleRead(BaseModel):
        month: Month            # "2026-11" in JSON
        period: AnyPeriod       # "2026-11", "2026-Q4" or "2026" in JSON
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Self, TypeAlias
from zoneinfo import ZoneInfo

from pydantic import (
    AwareDatetime,
    BeforeValidator,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

__all__ = [
    "DEFAULT_TIMEZONE",
    "MAX_YEAR",
    "MIN_YEAR",
    "AnyPeriod",
    "IsoDay",
    "IsoInstant",
    "Month",
    "Period",
    "PeriodKind",
    "Quarter",
    "TimeZoneLike",
    "Year",
    "parse_period",
    "period_of",
]

DEFAULT_TIMEZONE = "Asia/Shanghai"
"""The department's time zone unless the settings name another."""

MIN_YEAR = 1900
MAX_YEAR = 2999
"""Years outside this range are refused: they are typing mistakes, not business periods."""

TimeZoneLike: TypeAlias = str | tzinfo
"""An IANA zone name (``"Asia/Shanghai"``) or a tzinfo object."""


class PeriodKind(StrEnum):
    """The three kinds of period a KPI cycle or target can run over."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


def _zone(tz: TimeZoneLike) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def _check_year(year: object) -> None:
    if not isinstance(year, int) or isinstance(year, bool):
        raise TypeError(f"year must be an int, got {type(year).__name__}")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year {year} is outside the supported range {MIN_YEAR}-{MAX_YEAR}")


def _local_midnight_utc(day: date, zone: tzinfo) -> datetime:
    # fold=0 resolves a midnight that a DST change skips or repeats to the earliest instant
    # of that local day, which is what the start of a period must be.
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _utc_to_local_date(moment_utc: datetime, tz: TimeZoneLike) -> date:
    if moment_utc.tzinfo is None or moment_utc.utcoffset() is None:
        raise ValueError("a moment must be timezone-aware (UTC), got a naive datetime")
    return moment_utc.astimezone(_zone(tz)).date()


def company_day(moment: datetime, tz: TimeZoneLike) -> date:
    """The company's calendar day at the aware ``moment`` in ``tz`` (00:30 in Shanghai is
    already that day there); a naive moment is a ValueError."""
    return _utc_to_local_date(moment, tz)


class _PeriodBase:
    """Behaviour shared by :class:`Month`, :class:`Quarter` and :class:`Year`."""

    __slots__ = ()

    kind: ClassVar[PeriodKind]
    _pattern: ClassVar[re.Pattern[str]]
    _schema_pattern: ClassVar[str]
    _example: ClassVar[str]

    @property
    def start_date(self) -> date:
        """The first day of the period."""
        raise NotImplementedError

    @property
    def end_date(self) -> date:
        """The last day of the period (inclusive)."""
        raise NotImplementedError

    @classmethod
    def parse(cls, text: str) -> Self:
        """Read the period from its text form; raise ValueError naming the expected form."""
        raise NotImplementedError

    def bounds_utc(self, tz: TimeZoneLike = DEFAULT_TIMEZONE) -> tuple[datetime, datetime]:
        """The half-open ``[start, end)`` UTC interval of the period in zone ``tz``.

        ``Month(2026, 11).bounds_utc()`` is ``(2026-10-31 16:00 UTC, 2026-11-30 16:00 UTC)``
        for Shanghai; a moment ``m`` is in the period when ``start <= m < end``.
        """
        zone = _zone(tz)
        return (
            _local_midnight_utc(self.start_date, zone),
            _local_midnight_utc(self.end_date + timedelta(days=1), zone),
        )

    def contains(self, day: date) -> bool:
        """Whether the calendar day ``day`` falls in the period.

        A datetime is refused: which day a moment is on depends on the time zone, so use
        :meth:`contains_moment` for moments.
        """
        if isinstance(day, datetime):
            raise TypeError("contains() takes a date; use contains_moment() for a datetime")
        return self.start_date <= day <= self.end_date

    def contains_moment(self, moment_utc: datetime, tz: TimeZoneLike = DEFAULT_TIMEZONE) -> bool:
        """Whether the aware moment ``moment_utc`` falls in the period in zone ``tz``."""
        return self.contains(_utc_to_local_date(moment_utc, tz))

    def months(self) -> tuple[Month, ...]:
        """The months of the period, in order."""
        first = Month.of(self.start_date)
        last = Month.of(self.end_date)
        count = (last.year - first.year) * 12 + last.month - first.month + 1
        return tuple(first.plus(offset) for offset in range(count))

    @classmethod
    def _coerce(cls, value: object) -> Self:
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            return cls.parse(value)
        raise ValueError(
            f"expected a {cls.kind.value} as text such as '{cls._example}', "
            f"got {type(value).__name__}"
        )

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source_type: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls._coerce, serialization=_SERIALISE_AS_TEXT
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "pattern": cls._schema_pattern,
            "examples": [cls._example],
            "description": f"a {cls.kind.value} in the company's calendar, e.g. {cls._example}",
        }


def _as_text(value: object) -> str:
    return str(value)


_SERIALISE_AS_TEXT = core_schema.plain_serializer_function_ser_schema(
    _as_text, return_schema=core_schema.str_schema()
)

_MONTH_TEXT = re.compile(r"([0-9]{4})-([0-9]{2})")  # [0-9], not \d: that takes １２ too
_QUARTER_TEXT = re.compile(r"([0-9]{4})-Q([1-4])")
_YEAR_TEXT = re.compile(r"([0-9]{4})")


@dataclass(frozen=True, order=True, slots=True)
class Month(_PeriodBase):
    """A calendar month, e.g. ``Month(2026, 11)`` ⇔ ``"2026-11"``."""

    year: int
    month: int

    kind: ClassVar[PeriodKind] = PeriodKind.MONTH
    _pattern: ClassVar[re.Pattern[str]] = _MONTH_TEXT
    _schema_pattern: ClassVar[str] = r"^\d{4}-(0[1-9]|1[0-2])$"
    _example: ClassVar[str] = "2026-11"

    def __post_init__(self) -> None:
        _check_year(self.year)
        if not isinstance(self.month, int) or isinstance(self.month, bool):
            raise TypeError(f"month must be an int, got {type(self.month).__name__}")
        if not 1 <= self.month <= 12:
            raise ValueError(f"month must be between 1 and 12, got {self.month}")

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @classmethod
    def parse(cls, text: str) -> Self:
        """Read ``"YYYY-MM"``, e.g. ``"2026-11"``."""
        found = _MONTH_TEXT.fullmatch(text) if isinstance(text, str) else None
        if found is None:
            raise ValueError(f"{text!r} is not a month; expected YYYY-MM such as '2026-11'")
        return cls(int(found[1]), int(found[2]))

    @classmethod
    def of(cls, day: date) -> Month:
        """The month a calendar day is in."""
        return Month(day.year, day.month)

    @property
    def start_date(self) -> date:
        """The first day of the month."""
        return date(self.year, self.month, 1)

    @property
    def end_date(self) -> date:
        """The last day of the month (inclusive)."""
        return date(self.year, self.month, monthrange(self.year, self.month)[1])

    def plus(self, months: int) -> Month:
        """The month ``months`` later (negative: earlier)."""
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def next(self) -> Month:
        """The following month."""
        return self.plus(1)

    def previous(self) -> Month:
        """The preceding month."""
        return self.plus(-1)

    def containing_quarter(self) -> Quarter:
        """The quarter this month is in."""
        return Quarter(self.year, (self.month - 1) // 3 + 1)

    def containing_year(self) -> Year:
        """The year this month is in."""
        return Year(self.year)


@dataclass(frozen=True, order=True, slots=True)
class Quarter(_PeriodBase):
    """A calendar quarter, e.g. ``Quarter(2026, 4)`` ⇔ ``"2026-Q4"`` (October–December)."""

    year: int
    quarter: int

    kind: ClassVar[PeriodKind] = PeriodKind.QUARTER
    _pattern: ClassVar[re.Pattern[str]] = _QUARTER_TEXT
    _schema_pattern: ClassVar[str] = r"^\d{4}-Q[1-4]$"
    _example: ClassVar[str] = "2026-Q4"

    def __post_init__(self) -> None:
        _check_year(self.year)
        if not isinstance(self.quarter, int) or isinstance(self.quarter, bool):
            raise TypeError(f"quarter must be an int, got {type(self.quarter).__name__}")
        if not 1 <= self.quarter <= 4:
            raise ValueError(f"quarter must be between 1 and 4, got {self.quarter}")

    def __str__(self) -> str:
        return f"{self.year:04d}-Q{self.quarter}"

    @classmethod
    def parse(cls, text: str) -> Self:
        """Read ``"YYYY-Qn"``, e.g. ``"2026-Q4"``."""
        found = _QUARTER_TEXT.fullmatch(text) if isinstance(text, str) else None
        if found is None:
            raise ValueError(f"{text!r} is not a quarter; expected YYYY-Qn such as '2026-Q4'")
        return cls(int(found[1]), int(found[2]))

    @classmethod
    def of(cls, day: date) -> Quarter:
        """The quarter a calendar day is in."""
        return Quarter(day.year, (day.month - 1) // 3 + 1)

    @property
    def first_month(self) -> Month:
        """The first month of the quarter."""
        return Month(self.year, self.quarter * 3 - 2)

    @property
    def last_month(self) -> Month:
        """The last month of the quarter."""
        return Month(self.year, self.quarter * 3)

    @property
    def start_date(self) -> date:
        """The first day of the quarter."""
        return self.first_month.start_date

    @property
    def end_date(self) -> date:
        """The last day of the quarter (inclusive)."""
        return self.last_month.end_date

    def plus(self, quarters: int) -> Quarter:
        """The quarter ``quarters`` later (negative: earlier)."""
        index = self.year * 4 + self.quarter - 1 + quarters
        return Quarter(index // 4, index % 4 + 1)

    def next(self) -> Quarter:
        """The following quarter."""
        return self.plus(1)

    def previous(self) -> Quarter:
        """The preceding quarter."""
        return self.plus(-1)

    def containing_year(self) -> Year:
        """The year this quarter is in."""
        return Year(self.year)


@dataclass(frozen=True, order=True, slots=True)
class Year(_PeriodBase):
    """A calendar year, e.g. ``Year(2026)`` ⇔ ``"2026"``."""

    year: int

    kind: ClassVar[PeriodKind] = PeriodKind.YEAR
    _pattern: ClassVar[re.Pattern[str]] = _YEAR_TEXT
    _schema_pattern: ClassVar[str] = r"^\d{4}$"
    _example: ClassVar[str] = "2026"

    def __post_init__(self) -> None:
        _check_year(self.year)

    def __str__(self) -> str:
        return f"{self.year:04d}"

    @classmethod
    def parse(cls, text: str) -> Self:
        """Read ``"YYYY"``, e.g. ``"2026"``."""
        found = _YEAR_TEXT.fullmatch(text) if isinstance(text, str) else None
        if found is None:
            raise ValueError(f"{text!r} is not a year; expected YYYY such as '2026'")
        return cls(int(found[1]))

    @classmethod
    def of(cls, day: date) -> Year:
        """The year a calendar day is in."""
        return Year(day.year)

    @property
    def start_date(self) -> date:
        """1 January."""
        return date(self.year, 1, 1)

    @property
    def end_date(self) -> date:
        """31 December (inclusive)."""
        return date(self.year, 12, 31)

    def plus(self, years: int) -> Year:
        """The year ``years`` later (negative: earlier)."""
        return Year(self.year + years)

    def next(self) -> Year:
        """The following year."""
        return self.plus(1)

    def previous(self) -> Year:
        """The preceding year."""
        return self.plus(-1)

    def quarters(self) -> tuple[Quarter, ...]:
        """Q1 to Q4 of the year."""
        return tuple(Quarter(self.year, quarter) for quarter in range(1, 5))


Period: TypeAlias = Month | Quarter | Year
"""Any period, for type hints and ``isinstance``; as a pydantic field use :data:`AnyPeriod`."""

_KINDS: dict[PeriodKind, type[Month] | type[Quarter] | type[Year]] = {
    PeriodKind.MONTH: Month,
    PeriodKind.QUARTER: Quarter,
    PeriodKind.YEAR: Year,
}


def parse_period(text: str) -> Month | Quarter | Year:
    """Read any period from its text form: ``"2026-11"``, ``"2026-Q4"`` or ``"2026"``."""
    for kind in _KINDS.values():
        if isinstance(text, str) and kind._pattern.fullmatch(text):
            return kind.parse(text)
    raise ValueError(
        f"{text!r} is not a period; expected YYYY-MM, YYYY-Qn or YYYY "
        "such as '2026-11', '2026-Q4' or '2026'"
    )


def period_of(
    moment_utc: datetime, kind: PeriodKind | str, tz: TimeZoneLike = DEFAULT_TIMEZONE
) -> Month | Quarter | Year:
    """The period of ``kind`` that an aware moment falls in, read in zone ``tz``.

    ``period_of(datetime(2026, 10, 31, 16, 30, tzinfo=UTC), "month")`` is ``Month(2026, 11)``:
    it is 00:30 on 1 November in Shanghai. A naive datetime raises ValueError.
    """
    day = _utc_to_local_date(moment_utc, tz)
    return _KINDS[PeriodKind(kind)].of(day)


def _coerce_period(value: object) -> Month | Quarter | Year:
    if isinstance(value, Month | Quarter | Year):
        return value
    if isinstance(value, str):
        return parse_period(value)
    raise ValueError(
        f"expected a period as text such as '2026-11', '2026-Q4' or '2026', "
        f"got {type(value).__name__}"
    )


AnyPeriod = Annotated[
    Month | Quarter | Year,
    PlainValidator(_coerce_period),
    PlainSerializer(_as_text, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$",
            "examples": ["2026-11", "2026-Q4", "2026"],
            "description": "a month (YYYY-MM), quarter (YYYY-Qn) or year (YYYY)",
        }
    ),
]
"""A pydantic field holding any kind of period, read from and written as its text form."""


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_day(value: object) -> object:
    if isinstance(value, str) and not _ISO_DAY.fullmatch(value):
        raise ValueError("a day is written YYYY-MM-DD")
    if isinstance(value, int | float):
        raise ValueError("a day is written YYYY-MM-DD, not as a number")
    return value


IsoDay = Annotated[date, BeforeValidator(_iso_day)]
"""A day in a path, a query or a body, written ``YYYY-MM-DD`` as the contract says
(pydantic alone would also read ``0`` as 1970-01-01, a Unix time)."""


def _iso_instant(value: object) -> object:
    if isinstance(value, int | float) or (isinstance(value, str) and not _ISO_DAY.match(value)):
        raise ValueError("an instant is written in ISO 8601, e.g. 2026-11-20T02:15:00+00:00")
    return value


IsoInstant = Annotated[datetime, BeforeValidator(_iso_instant)]
"""An instant in a request, written in ISO 8601 (``2026-11-20T02:15:00+00:00``) as the
contract says; pydantic alone would also read a number, or digits as text, as a Unix time."""

AwareIsoInstant = Annotated[AwareDatetime, BeforeValidator(_iso_instant)]
"""An :data:`IsoInstant` that must also name its offset (a due time, a snooze until …)."""
