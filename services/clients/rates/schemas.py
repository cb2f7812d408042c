"""Bodies of the exchange-rates API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.money import ExactDecimal

MAX_RATE = Decimal("9999999999")
RATE_PLACES = 8


class RateSource(StrEnum):
    """Who posted a rate: finance, the ERP, or someone by hand."""

    FINANCE = "finance"
    ERP = "erp"
    MANUAL = "manual"


class ExchangeRateSet(BaseModel):
    """The rate of a currency from a day on (base-currency units per one unit)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"rate": "7.12450000", "source": "finance"}]},
    )

    rate: ExactDecimal = Field(description="Base-currency units per one unit of the currency.")
    source: RateSource = RateSource.MANUAL

    @field_validator("rate")
    @classmethod
    def _rate_in_range(cls, value: Decimal) -> Decimal:
        if value <= 0:
            raise ValueError("rate must be greater than 0")
        if value > MAX_RATE:
            raise ValueError(f"rate must be at most {MAX_RATE}")
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -RATE_PLACES:
            raise ValueError(f"rate has more than {RATE_PLACES} decimal places")
        return value


class ExchangeRateRead(BaseModel):
    """A posted rate."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "currency": "USD",
                    "effective_on": "2026-11-01",
                    "rate": "7.12450000",
                    "source": "finance",
                    "created_by": 31,
                    "version": 1,
                    "created_at": "2026-11-01T01:00:00+00:00",
                    "updated_at": "2026-11-01T01:00:00+00:00",
                }
            ]
        },
    )

    id: int
    currency: str
    effective_on: date
    rate: ExactDecimal
    source: RateSource
    created_by: int | None
    version: int
    created_at: datetime
    updated_at: datetime


class RateInForce(BaseModel):
    """The rate that applies to a currency on a day (the base currency is always 1)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "currency": "USD",
                    "base_currency": "CNY",
                    "on": "2026-11-15",
                    "rate": "7.12450000",
                    "effective_on": "2026-11-01",
                    "source": "finance",
                }
            ]
        }
    )

    currency: str
    base_currency: str
    on: date
    rate: ExactDecimal
    effective_on: date | None = Field(description="Null for the base currency.")
    source: RateSource | None
