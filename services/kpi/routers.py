"""The routers of the KPI service's domains (beyond the indicator library), in contract order."""

from __future__ import annotations

from services.kpi.appraisals.router import router as appraisals_router
from services.kpi.bonus.router import router as bonus_router
from services.kpi.collection.router import router as collection_router
from services.kpi.cycles.router import router as cycles_router
from services.kpi.org.router import internal_router as org_internal_router
from services.kpi.org.router import router as org_router
from services.kpi.rollups.router import router as rollups_router
from services.kpi.targets.router import internal_router as targets_internal_router
from services.kpi.targets.router import router as targets_router
from services.kpi.templates.router import router as templates_router

ROUTERS = (
    templates_router,
    targets_router,
    cycles_router,
    collection_router,
    appraisals_router,
    rollups_router,
    bonus_router,
    org_router,
    org_internal_router,
    targets_internal_router,
)

TAGS = [
    {"name": "templates", "description": "考核表: appraisal templates per position, versioned."},
    {"name": "targets", "description": "目标分解: annual targets split to teams, people, months."},
    {"name": "cycles", "description": "考核周期: cycles, their population and calibration."},
    {"name": "appraisals", "description": "绩效考核: sheets, actuals, reviews, appeals."},
    {"name": "rollups", "description": "汇总: averages, distributions, trends, exports."},
    {"name": "bonus", "description": "奖金: bonus bases and rewards/penalties (奖惩)."},
    {"name": "kpi-org", "description": "The read-only org copy fed by staff."},
]
