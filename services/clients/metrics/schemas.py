"""Bodies of the KPI metrics batch."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.money import Money
from shared.numbers import JsonInt
from shared.periods import AnyPeriod, Month, Quarter, Year

MAX_EMPLOYEES = 1000
Rate = Decimal


class MetricsRequest(BaseModel):
    """The period and the employees to report on (one request for a whole population)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"period": "2026-11", "employee_ids": [5, 6, 13]}]},
    )

    period: AnyPeriod
    employee_ids: list[JsonInt] = Field(min_length=1, max_length=MAX_EMPLOYEES)

    @field_validator("employee_ids")
    @classmethod
    def _valid_ids(cls, value: list[int]) -> list[int]:
        bad = [i for i in value if not 1 <= i <= 2_147_483_647]
        if bad:
            raise ValueError(f"employee ids must be positive: {bad[:5]}")
        return list(dict.fromkeys(value))


class EmployeeMetrics(BaseModel):
    """One employee's facts for the period (see the endpoint's description for crediting).

    Counts are integers; rates are percentages with two decimals, null when their base is
    zero (no planned visit, no ticket due, no account at the start).
    """

    employee_id: int
    contracts_signed: int
    contract_value_signed: Money
    new_accounts_signed: int
    visits_planned: int
    visits_done: int
    visits_completed_total: int = Field(
        description="Every visit completed in the period, planned or ad hoc."
    )
    visit_completion_rate: Rate | None
    tickets_total: int = Field(description="Tickets opened in the period.")
    tickets_resolved: int
    tickets_resolved_within_sla: int
    tickets_overdue_unresolved: int = Field(
        description="Tickets whose resolution deadline fell in the period and has passed, not "
        "resolved by the period's end."
    )
    tickets_within_sla_rate: Rate | None
    surveys: int
    mean_satisfaction: Decimal | None = Field(description="Mean survey score (1–5).")
    accounts_at_start: int
    accounts_churned: int
    churn_rate: Rate | None
    amount_due: Money = Field(
        description="Invoice lines (of the employee's invoices) that fell due in the period."
    )
    arrears_at_start: Money = Field(
        description="Arrears carried into the period: lines due before its first day, still "
        "open then (less payments received before it and not reversed by then)."
    )
    amount_collected: Money = Field(
        description="Payments received in the period and allocated to lines due by the "
        "period's end (old arrears too); prepayments of lines due later and unallocated "
        "amounts apart, write-offs and reversed payments excluded."
    )
    collection_rate: Rate | None = Field(
        description="回款率 = amount_collected ÷ (amount_due + arrears_at_start) × 100, to "
        "0.01 half up, capped at 100; null when both are 0."
    )
    amount_invoiced: Money = Field(description="Invoices issued in the period.")
    receivables_outstanding: Money = Field(
        description="Open receivables at the period's end (invoiced by then, not yet paid)."
    )
    receivables_ratio: Rate | None = Field(
        description="应收占压率 = receivables_outstanding ÷ amount_invoiced × 100, to 0.01 "
        "half up, not capped; null when nothing was invoiced in the period."
    )
    new_opportunities: int = Field(description="Opportunities opened in the period.")
    opportunities_won: int
    opportunities_lost: int
    won_amount: Money = Field(description="赢单金额: opportunities won in the period.")
    win_rate: Rate | None = Field(
        description="赢单率 = won ÷ (won + lost) × 100, to 0.01 half up; null when none closed."
    )
    pipeline_amount: Money = Field(
        description="Open opportunities expected to close in the period (管道金额)."
    )


class MetricsBatch(BaseModel):
    """The period's facts for every requested employee, in the order asked."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "period": "2026-11",
                    "start_date": "2026-11-01",
                    "end_date": "2026-11-30",
                    "currency": "CNY",
                    "items": [
                        {
                            "employee_id": 5,
                            "contracts_signed": 2,
                            "contract_value_signed": {"amount": "1250000.00", "currency": "CNY"},
                            "new_accounts_signed": 1,
                            "visits_planned": 10,
                            "visits_done": 8,
                            "visits_completed_total": 9,
                            "visit_completion_rate": "80.00",
                            "tickets_total": 4,
                            "tickets_resolved": 3,
                            "tickets_resolved_within_sla": 3,
                            "tickets_overdue_unresolved": 1,
                            "tickets_within_sla_rate": "75.00",
                            "surveys": 2,
                            "mean_satisfaction": "4.50",
                            "accounts_at_start": 20,
                            "accounts_churned": 1,
                            "churn_rate": "5.00",
                            "amount_due": {"amount": "800000.00", "currency": "CNY"},
                            "arrears_at_start": {"amount": "0.00", "currency": "CNY"},
                            "amount_collected": {"amount": "720000.00", "currency": "CNY"},
                            "collection_rate": "90.00",
                            "amount_invoiced": {"amount": "1000000.00", "currency": "CNY"},
                            "receivables_outstanding": {
                                "amount": "350000.00",
                                "currency": "CNY",
                            },
                            "receivables_ratio": "35.00",
                            "new_opportunities": 3,
                            "opportunities_won": 1,
                            "opportunities_lost": 1,
                            "won_amount": {"amount": "300000.00", "currency": "CNY"},
                            "win_rate": "50.00",
                            "pipeline_amount": {"amount": "900000.00", "currency": "CNY"},
                        }
                    ],
                }
            ]
        }
    )

    period: str
    start_date: date
    end_date: date
    currency: str
    items: list[EmployeeMetrics]


PeriodValue = Month | Quarter | Year
