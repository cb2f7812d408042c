"""Request and response models of the pipeline reports (销售预测 / 销售机会报表)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.clients.pipeline.rules import GroupBy
from shared.money import ExactDecimal, Money

MonthText = Annotated[str, StringConstraints(pattern=r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$")]
MAX_MONTHS = 24

_CNY = {"currency": "CNY"}


class ForecastRow(BaseModel):
    """One group's figures for one month, in the base currency."""

    group_id: int | None = Field(
        description="The owner, team (its lead) or department; null "
        "for owners without a manager or department in the org copy."
    )
    group_name: str | None = Field(
        description="The owner's or team lead's name (null for a "
        "department: the org copy knows departments by id)."
    )
    month: str | None = Field(examples=["2026-12"], description="Null in the totals row.")
    open_count: int
    pipeline: Money = Field(description="Sum of the open opportunities' amounts.")
    weighted: Money = Field(description="Sum of amount × probability / 100, each to the cent.")
    best_case: Money = Field(
        description="Open opportunities at or above the best-case probability (commit included)."
    )
    commit: Money = Field(
        description="Open opportunities at or above the commit probability or in a commit stage."
    )
    won_count: int
    won: Money = Field(description="Won in the month.")
    lost_count: int
    win_rate: ExactDecimal | None = Field(
        description="won / (won + lost), null without any closed."
    )
    target: Money | None = Field(
        description="The KPI plan's month target of the group's "
        "people; null without one or when kpi did not answer."
    )
    attainment: ExactDecimal | None = Field(description="won / target.")
    coverage: ExactDecimal | None = Field(
        description="pipeline / (target − won): how many "
        "times the open pipeline covers what is left."
    )


class ForecastReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "group_by": "team", "first_month": "2026-12", "last_month": "2026-12",
                    "currency": "CNY",
                    "rows": [{
                        "group_id": 901, "group_name": "王强", "month": "2026-12",
                        "open_count": 2, "pipeline": {"amount": "1500000.00", **_CNY},
                        "weighted": {"amount": "862500.00", **_CNY},
                        "best_case": {"amount": "1500000.00", **_CNY},
                        "commit": {"amount": "900000.00", **_CNY}, "won_count": 1,
                        "won": {"amount": "300000.00", **_CNY}, "lost_count": 1,
                        "win_rate": "0.5000", "target": {"amount": "1000000.00", **_CNY},
                        "attainment": "0.3000", "coverage": "2.1429",
                    }],
                    "totals": None, "targets_available": True, "notes": [],
                }
            ]
        }
    )  # fmt: skip

    group_by: GroupBy
    first_month: str
    last_month: str
    currency: str
    rows: list[ForecastRow]
    totals: ForecastRow | None = Field(description="All rows' figures together (group null).")
    targets_available: bool = Field(description="False when kpi did not answer: targets null.")
    notes: list[str] = Field(description="What the figures leave out, and why.")


class StageConversion(BaseModel):
    stage_code: str
    stage_name: str
    entered: int = Field(description="Opportunities that were in the stage.")
    advanced: int = Field(description="Of those, how many left it forward (later stage, won).")
    lost: int = Field(description="Lost from the stage.")
    rate: ExactDecimal | None = Field(description="advanced / entered; null when none entered.")


class WinRateRow(BaseModel):
    group_id: int | None
    group_name: str | None
    won: int
    lost: int
    win_rate: ExactDecimal | None = Field(description="null when nothing was closed (not 0).")


class ConversionReport(BaseModel):
    first_month: str
    last_month: str
    group_by: GroupBy
    stages: list[StageConversion]
    win_rates: list[WinRateRow]


class StuckOpportunity(BaseModel):
    id: int
    name: str
    account_id: int
    account_name: str
    owner_id: int
    owner_name: str | None
    stage_code: str
    stage_name: str
    in_stage_since: date
    days_in_stage: int
    amount: Money


class StuckReport(BaseModel):
    limit_days: int = Field(description="Stuck: more days than this in the current stage.")
    items: list[StuckOpportunity]


class ReportLine(BaseModel):
    """One opportunity in the 销售机会报表."""

    id: int
    account_id: int
    account_name: str
    name: str
    owner_id: int
    owner_name: str | None
    stage_code: str
    stage_name: str
    status: str
    probability: int
    amount: Money
    amount_base: Money | None = Field(description="null when its currency has no rate.")
    weighted_base: Money | None
    expected_close_month: str
    days_in_stage: int | None


class OpportunityReport(BaseModel):
    """销售机会报表: a team's (or the caller's whole scope's) opportunities of the months,
    its forecast per owner and its stage conversion."""

    first_month: str
    last_month: str
    team_id: int | None
    lines: list[ReportLine]
    forecast: ForecastReport
    conversion: list[StageConversion]


class ReportFormat(StrEnum):
    JSON = "json"
    XLSX = "xlsx"


def money(amount: Decimal, currency: str) -> Money:
    return Money(amount=amount, currency=currency)
