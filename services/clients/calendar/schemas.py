"""Bodies of the business-calendar API."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints


class DayKind(StrEnum):
    """A public holiday (no working time) or a make-up working day (调休, a weekend worked)."""

    HOLIDAY = "holiday"
    MAKEUP_WORKDAY = "makeup_workday"


class DaySource(StrEnum):
    """Where a day comes from: the State Council's notice (loaded, see README "Business
    calendar") or an admin (PUT; wins over the notice until deleted)."""

    STATUTORY = "statutory"
    ADMIN = "admin"


class CalendarDayWrite(BaseModel):
    """What a day is."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"kind": "holiday", "name": "国庆节"}]}
    )

    kind: DayKind
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class CalendarDayRead(BaseModel):
    """A day that differs from the usual working week."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {"day": "2026-10-01", "kind": "holiday", "name": "国庆节", "source": "statutory"}
            ]
        },
    )

    day: date
    kind: DayKind
    name: str
    source: DaySource = DaySource.ADMIN
