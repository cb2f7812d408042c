"""Bodies of the competitor intelligence API (竞争对手信息) and the win/loss report."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.clients.receivables.schemas import MoneyInput
from shared.money import Money
from shared.numbers import BodyId
from shared.periods import IsoDay

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]

_EXAMPLE: dict[str, Any] = {
    "competitor_id": 1,
    "opportunity_id": 5,
    "products": "智能巡检平台 V3，含三年维保",
    "price_seen": {"amount": "860000.00", "currency": "CNY"},
    "strengths": "本地服务团队响应快，与客户信息中心关系密切",
    "weaknesses": "平台二次开发能力弱，去年有两次重大故障",
    "observed_on": "2026-12-03",
}


class CompetitorPresenceCreate(BaseModel):
    """A competitor seen at the account (or in one of its opportunities), as observed on
    ``observed_on`` (default today; never in the future). The caller is the author."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    competitor_id: BodyId
    opportunity_id: BodyId | None = None
    products: Text | None = None
    price_seen: MoneyInput | None = None
    strengths: Text | None = None
    weaknesses: Text | None = None
    observed_on: IsoDay | None = None


class CompetitorPresenceUpdate(BaseModel):
    """Corrections to an observation (fields sent as null are cleared)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"price_seen": {"amount": "820000.00", "currency": "CNY"}}]
        },
    )

    products: Text | None = None
    price_seen: MoneyInput | None = None
    strengths: Text | None = None
    weaknesses: Text | None = None
    observed_on: IsoDay | None = None


class CompetitorPresenceRead(BaseModel):
    """A dated, attributed observation of a competitor at an account."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_EXAMPLE,
                    "id": 8,
                    "account_id": 42,
                    "competitor_name": "某某智能科技有限公司",
                    "author_id": 902,
                    "version": 1,
                    "created_at": "2026-12-05T08:15:00+00:00",
                    "updated_at": "2026-12-05T08:15:00+00:00",
                }
            ]
        }
    )

    id: int
    account_id: int
    opportunity_id: int | None
    competitor_id: int
    competitor_name: str
    products: str | None
    price_seen: Money | None
    strengths: str | None
    weaknesses: str | None
    observed_on: date
    author_id: int
    version: int
    created_at: datetime
    updated_at: datetime


class CompetitorWinLoss(BaseModel):
    """One competitor's record against us over the period (opportunities closed in it,
    in the caller's scope)."""

    competitor_id: int
    competitor_name: str
    won_against: int = Field(
        description="Won opportunities where the competitor was recorded as present."
    )
    lost_to: int = Field(description="Lost opportunities it won (`lost_to_competitor_id`).")
    win_rate: Decimal | None = Field(
        description="won_against ÷ (won_against + lost_to) × 100, half-up to 0.01; null "
        "when we never met it."
    )
    won_amounts: list[Money] = Field(description="Amounts of those won, per currency.")
    lost_amounts: list[Money] = Field(description="Amounts of those lost, per currency.")


class CompetitorWinLossReport(BaseModel):
    """Wins and losses per competitor, most met first."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "closed_from": "2026-01-01",
                    "closed_to": "2026-12-31",
                    "competitors": [
                        {
                            "competitor_id": 1,
                            "competitor_name": "某某智能科技有限公司",
                            "won_against": 3,
                            "lost_to": 1,
                            "win_rate": "75.00",
                            "won_amounts": [{"amount": "2400000.00", "currency": "CNY"}],
                            "lost_amounts": [{"amount": "900000.00", "currency": "CNY"}],
                        }
                    ],
                }
            ]
        }
    )

    closed_from: date | None
    closed_to: date | None
    competitors: list[CompetitorWinLoss]
