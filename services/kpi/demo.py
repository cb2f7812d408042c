"""Demo data of the KPI service: the indicator library a key-account department uses."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from services.kpi.indicators.models import Indicator
from services.kpi.indicators.repository import IndicatorRepository
from services.kpi.indicators.schemas import IndicatorCreate

LINEAR = {"type": "linear", "floor_percent": "60", "cap": "120"}

INDICATORS: tuple[dict[str, Any], ...] = (
    {"code": "sales_attainment", "name": "销售目标达成率", "unit": "%",
     "kind": "automatic", "metric": "contract_value_signed", "scoring_rule": LINEAR},
    {"code": "collection_rate", "name": "回款率", "unit": "%",
     "kind": "automatic", "metric": "collection_rate", "scoring_rule": LINEAR},
    {"code": "receivables_ratio", "name": "应收占压率", "unit": "%",
     "direction": "lower_is_better", "kind": "automatic", "metric": "receivables_ratio",
     "scoring_rule": LINEAR},
    {"code": "new_accounts_signed", "name": "新客户开发数", "unit": "家",
     "kind": "automatic", "metric": "new_accounts_signed", "scoring_rule": LINEAR},
    {"code": "visit_completion", "name": "拜访计划完成率", "unit": "%",
     "kind": "automatic", "metric": "visit_completion_rate", "scoring_rule": LINEAR},
    {"code": "complaints_on_time", "name": "投诉处理及时率", "unit": "%",
     "kind": "automatic", "metric": "tickets_within_sla_rate", "scoring_rule": LINEAR},
    {"code": "satisfaction", "name": "客户满意度", "unit": "分",
     "kind": "automatic", "metric": "mean_satisfaction", "scoring_rule": LINEAR},
    {"code": "churn_rate", "name": "客户流失率", "unit": "%", "direction": "lower_is_better",
     "kind": "automatic", "metric": "churn_rate", "scoring_rule": LINEAR},
    {"code": "cost_within_budget", "name": "费用控制", "unit": "%",
     "direction": "lower_is_better", "kind": "manual", "scoring_rule": LINEAR},
    {"code": "report_timeliness", "name": "报表及时准确率", "unit": "%",
     "kind": "manual", "scoring_rule": {"type": "pass_fail", "pass_score": "100"}},
    {"code": "qualification_rate", "name": "员工任职资格达标率", "unit": "%",
     "kind": "manual", "scoring_rule": LINEAR},
    {"code": "training_delivered", "name": "培训计划完成率", "unit": "%",
     "kind": "manual", "scoring_rule": LINEAR},
)  # fmt: skip


async def load_kpi_demo(session: AsyncSession) -> None:
    """Add the demo indicators that are missing (by code)."""
    repository = IndicatorRepository(session)
    for spec in INDICATORS:
        if await repository.get_by_code(spec["code"]) is None:
            checked = IndicatorCreate.model_validate(spec)
            await repository.add(Indicator.model_validate(checked.model_dump(mode="json")))
