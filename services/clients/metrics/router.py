"""HTTP endpoint of the KPI metrics batch."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from services.clients.dependencies import MetricsServiceDep
from services.clients.metrics.schemas import MetricsBatch, MetricsRequest
from services.clients.policies import READ_METRICS
from shared.errors import problem_responses

router = APIRouter(prefix="/v1/clients/metrics", tags=["metrics"])

CREDITING = """
One request for a whole population (at most 1,000 employees), computed in one SQL
statement. Dated facts (contract signing, planned and visited dates, surveys) use the
period's calendar days; timestamped facts (tickets, status changes) use the period's
instants in the company's time zone.

**Crediting** — a fact is credited to the employee recorded on it when it happened, not
to whoever owns the account today:

- a signed contract (value, count) to the account's owner on the day it was signed; a
  *new account* is an account whose first signed contract falls in the period, credited
  with that contract;
- a planned visit to its assignee: planned visits move to the successor on a handover or
  transfer, completed ones stay with whoever was assigned when it was done;
- a ticket to the account's owner when it was opened; open tickets move on a handover,
  resolved ones stay;
- a survey to the account's owner when it was taken;
- a lost account (churn) to its owner when it was marked lost; `accounts_at_start` counts
  the accounts an employee owned (by the ownership history) at the first instant of the
  period, excluding lost and archived ones;
- an opportunity's creation (`new_opportunities`), win and loss to its owner recorded on
  that stage change; `won_amount` is the won opportunities' amounts in the base currency
  (each to the cent, at the rate in force on the period's last day; a currency without a
  rate is left out), `win_rate` = won ÷ (won + lost) × 100, null when none closed;
  `pipeline_amount` is the open opportunities owned now whose expected close month is in
  the period (an indicator on it with the sales target as its target reads as pipeline
  coverage of target).

So an account handed over mid-period credits its earlier facts to the leaver and its later
ones to the successor; nothing is counted twice.
"""


@router.post(
    "/batch",
    dependencies=[Depends(READ_METRICS)],
    response_model=MetricsBatch,
    summary="The period's facts of many employees, for KPI (one request per batch)",
    description=CREDITING,
    responses=problem_responses(401, 403, 422),
)
async def metrics_batch(data: MetricsRequest, service: MetricsServiceDep) -> MetricsBatch:
    return await service.batch(data.period, data.employee_ids)
