"""Bodies of the satisfaction-surveys API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from services.clients.surveys.rules import SURVEY_PERIOD_PATTERN, survey_period
from shared.money import ExactDecimal
from shared.numbers import NotABoolean
from shared.periods import IsoDay

MIN_SCORE, MAX_SCORE = Decimal("1.00"), Decimal("5.00")


def _score(value: Decimal) -> Decimal:
    if not MIN_SCORE <= value <= MAX_SCORE:
        raise ValueError(f"score must be between {MIN_SCORE} and {MAX_SCORE}")
    if value.quantize(Decimal("0.01")) != value:
        raise ValueError("score has more than two decimal places")
    return value.quantize(Decimal("0.01"))


def _period(value: str) -> str:
    return str(survey_period(value))


Score = Annotated[ExactDecimal, AfterValidator(_score)]
PeriodText = Annotated[
    str,
    StringConstraints(pattern=SURVEY_PERIOD_PATTERN, max_length=7),
    AfterValidator(_period),
]
Comments = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
ContactId = Annotated[int, Field(ge=1, le=2_147_483_647), NotABoolean]


class SurveyChannel(StrEnum):
    """How the survey was taken."""

    PHONE = "phone"
    EMAIL = "email"
    VISIT = "visit"
    ONLINE = "online"
    OTHER = "other"


class SurveyCreate(BaseModel):
    """A satisfaction survey of an account for a month or quarter."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "period": "2026-Q4",
                    "score": "4.50",
                    "surveyed_on": "2026-11-20",
                    "respondent_contact_id": 7,
                    "channel": "visit",
                    "comments": "对售后响应速度满意，希望增加巡检频次",
                }
            ]
        },
    )

    period: PeriodText = Field(description="A month (YYYY-MM) or a quarter (YYYY-Qn).")
    score: Score = Field(description="1.00 to 5.00.")
    surveyed_on: IsoDay | None = Field(
        default=None, description="Inside the period, not in the future; default today."
    )
    respondent_contact_id: ContactId | None = Field(
        default=None, description="A contact of the account."
    )
    channel: SurveyChannel
    comments: Comments = ""


class SurveyUpdate(BaseModel):
    """A partial change of a survey (needs If-Match); the period is fixed."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"score": "4.00"}]})

    score: Score | None = None
    surveyed_on: IsoDay | None = None
    respondent_contact_id: ContactId | None = None
    channel: SurveyChannel | None = None
    comments: Comments | None = None


class SurveyRead(BaseModel):
    """A satisfaction survey."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    account_id: int
    period: str = Field(examples=["2026-Q4"])
    score: ExactDecimal
    surveyed_on: date
    respondent_contact_id: int | None
    channel: SurveyChannel
    comments: str
    owner_id: int = Field(description="The employee credited (account owner when recorded).")
    created_by: int | None
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class SurveyQuery:
    """Filters of the survey lists (every one optional; all given must match)."""

    account_id: int | None = None
    owner_ids: list[int] | None = None
    team_of: int | None = None
    period: str | None = None
    surveyed_from: date | None = None
    surveyed_to: date | None = None
