"""The KPI service: indicator library, templates, cycles, appraisals."""

from __future__ import annotations

from fastapi import FastAPI

from services.kpi.audit.models import record_denial
from services.kpi.audit.models import router as audit_router
from services.kpi.idempotency_keys import KpiIdempotencyKey
from services.kpi.indicators.router import router as indicators_router
from services.kpi.lifespan import upstream_clients
from services.kpi.outbox import KPI_OUTBOX
from services.kpi.outbox_dispatch import outbox_lifespan
from services.kpi.routers import ROUTERS
from services.kpi.routers import TAGS as DOMAIN_TAGS
from services.kpi.settings import KpiSettings
from shared.service_app import create_service_app

TAGS = [
    {"name": "indicators", "description": "指标库: the indicators appraisals are built from."},
    *DOMAIN_TAGS,
    {"name": "kpi-audit", "description": "Who did what, when (administrators)."},
]


def create_app(settings: KpiSettings | None = None) -> FastAPI:
    """Build the KPI service app."""
    settings = settings or KpiSettings()
    app = create_service_app(
        settings,
        idempotency_keys=KpiIdempotencyKey,
        title="KAM KPI service",
        description="Appraisal (绩效考核): indicators, templates, cycles, reviews and roll-ups.",
        routers=[indicators_router, *ROUTERS, audit_router],
        openapi_tags=TAGS,
        on_access_denied=record_denial,
        extra_lifespan=upstream_clients(settings),
        lifespans=[outbox_lifespan],
    )
    # The backlog of undelivered work items, counted when Prometheus scrapes /metrics.
    app.state.metrics.watch_outbox(lambda: app.state.engine, KPI_OUTBOX)
    return app
