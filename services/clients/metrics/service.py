"""The KPI metrics batch: the period's facts for many employees, computed in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from services.clients.metrics.repository import EmployeeFacts, MetricsRepository
from services.clients.metrics.rules import mean_score, percentage
from services.clients.metrics.schemas import EmployeeMetrics, MetricsBatch, PeriodValue
from services.clients.receivables.rules import collection_rate, outstanding_ratio
from shared.money import Money


def _metrics(facts: EmployeeFacts, currency: str) -> EmployeeMetrics:
    return EmployeeMetrics(
        employee_id=facts.employee_id,
        contracts_signed=facts.contracts_signed,
        contract_value_signed=Money.rounded(facts.contract_value_signed, currency),
        new_accounts_signed=facts.new_accounts_signed,
        visits_planned=facts.visits_planned,
        visits_done=facts.visits_done,
        visits_completed_total=facts.visits_completed_total,
        visit_completion_rate=percentage(facts.visits_done, facts.visits_planned),
        tickets_total=facts.tickets_total,
        tickets_resolved=facts.tickets_resolved,
        tickets_resolved_within_sla=facts.tickets_resolved_within_sla,
        tickets_overdue_unresolved=facts.tickets_overdue_unresolved,
        tickets_within_sla_rate=percentage(
            facts.tickets_resolved_within_sla,
            facts.tickets_resolved + facts.tickets_overdue_unresolved,
        ),
        surveys=facts.surveys,
        mean_satisfaction=mean_score(facts.survey_total, facts.surveys),
        accounts_at_start=facts.accounts_at_start,
        accounts_churned=facts.accounts_churned,
        churn_rate=percentage(facts.accounts_churned, facts.accounts_at_start),
        amount_due=Money.rounded(facts.amount_due, currency),
        arrears_at_start=Money.rounded(facts.arrears_at_start, currency),
        amount_collected=Money.rounded(facts.amount_collected, currency),
        collection_rate=collection_rate(
            facts.amount_collected, facts.amount_due, facts.arrears_at_start
        ),
        amount_invoiced=Money.rounded(facts.amount_invoiced, currency),
        receivables_outstanding=Money.rounded(facts.receivables_outstanding, currency),
        receivables_ratio=outstanding_ratio(
            max(facts.receivables_outstanding, Decimal(0)), facts.amount_invoiced
        ),
        new_opportunities=facts.new_opportunities,
        opportunities_won=facts.opportunities_won,
        opportunities_lost=facts.opportunities_lost,
        won_amount=Money.rounded(facts.won_amount, currency),
        win_rate=percentage(
            facts.opportunities_won, facts.opportunities_won + facts.opportunities_lost
        ),
        pipeline_amount=Money.rounded(facts.pipeline_amount, currency),
    )


class MetricsService:
    """Facts for KPI, in the company's calendar and base currency."""

    def __init__(self, repository: MetricsRepository, *, currency: str, timezone: str) -> None:
        self.repository = repository
        self.currency = currency
        self.timezone = timezone

    async def batch(self, period: PeriodValue, employee_ids: Sequence[int]) -> MetricsBatch:
        start, end = period.bounds_utc(self.timezone)
        facts = await self.repository.facts(
            employee_ids,
            first_day=period.start_date,
            last_day=period.end_date,
            start=start,
            end=end,
            now=datetime.now(UTC),
            base=self.currency,
        )
        return MetricsBatch(
            period=str(period),
            start_date=period.start_date,
            end_date=period.end_date,
            currency=self.currency,
            items=[_metrics(facts[employee_id], self.currency) for employee_id in employee_ids],
        )
