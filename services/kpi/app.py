"""The KPI service: indicator library, templates, cycles, appraisals."""

from __future__ import annotations

from fastapi import FastAPI

from services.kpi.indicators.router import router as indicators_router
from services.kpi.settings import KpiSettings
from shared.service_app import create_service_app

TAGS = [
    {"name": "indicators", "description": "指标库: the indicators appraisals are built from."},
]


def create_app(settings: KpiSettings | None = None) -> FastAPI:
    """Build the KPI service app."""
    return create_service_app(
        settings or KpiSettings(),
        title="KAM KPI service",
        description="Appraisal (绩效考核): indicators, templates, cycles, reviews and roll-ups.",
        routers=[indicators_router],
        openapi_tags=TAGS,
    )
