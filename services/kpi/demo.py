"""Demo data of the KPI service: the indicator library a key-account department uses."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from services.kpi.indicators.models import Indicator
from services.kpi.indicators.repository import IndicatorRepository
from services.kpi.indicators.schemas import IndicatorCreate
from services.kpi.templates.position_duties import PositionDuties
from services.kpi.templates.repository import TemplateRepository
from services.kpi.templates.schemas import TemplateCreate
from services.kpi.templates.service import TemplateService
from shared.concurrency import etag_for

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
     "kind": "automatic", "source": "staff", "metric": "qualification_rate",
     "scoring_rule": LINEAR},
    {"code": "training_delivered", "name": "培训计划完成率", "unit": "%",
     "kind": "manual", "scoring_rule": LINEAR},
)  # fmt: skip


ATTITUDE = {
    "key": "attitude",
    "title": "工作态度与协作",
    "kind": "qualitative",
    "rating_scale": {"minimum": "1", "maximum": "5", "step": "1"},
}

# Monthly templates (考核表) per position; items name indicators by code (resolved to ids at
# load time) and the position description's duty they appraise (考核重点). Weights total 100.
TEMPLATES: tuple[dict[str, Any], ...] = (
    {"code": "KA-SPEC-MONTHLY", "name": "客户专员月度考核表", "position_code": "KA-SPEC",
     "period_kind": "month", "description": "大客户专员每月考核: 拜访联络、对账催款、报表",
     "sections": [
        {"title": "业绩指标", "items": [
            {"key": "visits", "title": "拜访计划完成率", "indicator": "visit_completion",
             "weight": "30", "target": "100",
             "duty": {"importance": 1, "statement": "协助执行拜访和联络计划"}},
            {"key": "collection", "title": "回款率", "indicator": "collection_rate",
             "weight": "30", "target": "95",
             "duty": {"importance": 4, "statement": "协助对账和催款"}},
            {"key": "reports", "title": "报表及时准确率", "indicator": "report_timeliness",
             "weight": "20", "target": "100",
             "duty": {"importance": 3, "statement": "准备报价、合同和投标等商务文件"}}]},
        {"title": "工作态度", "items": [{**ATTITUDE, "weight": "20"}]}]},
    {"code": "KA-KAM-MONTHLY", "name": "大客户经理月度考核表", "position_code": "KA-KAM",
     "period_kind": "month", "description": "大客户经理每月考核: 开发、拜访、回款、满意度",
     "sections": [
        {"title": "业绩指标", "items": [
            {"key": "sales", "title": "销售目标达成率", "indicator": "sales_attainment",
             "weight": "30", "target_mode": "decomposition",
             "duty": {"importance": 1, "statement": "按开发计划开发新客户"}},
            {"key": "new_accounts", "title": "新客户开发数", "indicator": "new_accounts_signed",
             "weight": "15", "target": "2",
             "duty": {"importance": 1, "statement": "按开发计划开发新客户"}},
            {"key": "visits", "title": "拜访计划完成率", "indicator": "visit_completion",
             "weight": "15", "target": "100",
             "duty": {"importance": 2, "statement": "按客户等级维护客户关系，执行拜访计划"}},
            {"key": "collection", "title": "回款率", "indicator": "collection_rate",
             "weight": "20", "target": "95",
             "duty": {"importance": 3, "statement": "跟进合同签订和履行，按期回款"}},
            {"key": "satisfaction", "title": "客户满意度", "indicator": "satisfaction",
             "weight": "10", "target": "4.5"}]},
        {"title": "工作态度", "items": [{**ATTITUDE, "weight": "10"}]}]},
)  # fmt: skip


def _template_body(spec: dict[str, Any], indicator_ids: dict[str, int]) -> dict[str, Any]:
    body = {key: value for key, value in spec.items() if key != "sections"}
    body["sections"] = []
    for section in spec["sections"]:
        items = []
        for raw in section["items"]:
            item = dict(raw)
            code = item.pop("indicator", None)
            if code is not None:
                item.update(kind="indicator", indicator_id=indicator_ids[code])
                item.setdefault("target_mode", "absolute")
            items.append(item)
        body["sections"].append({"title": section["title"], "items": items})
    return body


async def load_kpi_demo(session: AsyncSession, duties: PositionDuties) -> None:
    """Add the demo indicators and published templates that are missing (by code).

    ``duties`` answers for the positions' approved descriptions: the loader runs before any
    service does, so the deployment passes staff's demo descriptions (its catalogue).
    """
    repository = IndicatorRepository(session)
    indicator_ids: dict[str, int] = {}
    for spec in INDICATORS:
        indicator = await repository.get_by_code(spec["code"])
        if indicator is None:
            checked = IndicatorCreate.model_validate(spec)
            indicator = await repository.add(
                Indicator.model_validate(checked.model_dump(mode="json"))
            )
        assert indicator.id is not None
        indicator_ids[spec["code"]] = indicator.id
    templates = TemplateService(TemplateRepository(session), repository, duties)
    for spec in TEMPLATES:
        if await templates.repository.code_exists(spec["code"]):
            continue
        created = await templates.create(
            TemplateCreate.model_validate(_template_body(spec, indicator_ids))
        )
        await templates.publish(created.id, if_match=etag_for(created.version))
