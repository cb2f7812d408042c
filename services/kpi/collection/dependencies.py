"""Dependency aliases of the collection of actuals."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.kpi.appraisals.actuals import ActualsSource
from services.kpi.appraisals.dependencies import KpiSettingsDep
from services.kpi.collection.clients_source import ClientsMetricsSource
from services.kpi.collection.repository import CollectionRepository
from services.kpi.collection.service import ActualsCollection
from services.kpi.collection.staff_source import StaffQualificationsSource
from services.kpi.cycles.repository import CycleRepository
from services.kpi.indicators.schemas import IndicatorSource
from shared.db import SessionDep
from shared.errors import ServiceUnavailable
from shared.http_client import ServiceClient


def clients_metrics(request: Request, settings: KpiSettingsDep) -> ClientsMetricsSource:
    client: ServiceClient | None = getattr(request.app.state, "clients_client", None)
    if client is None:
        raise ServiceUnavailable("the client for the clients service is not configured")
    return ClientsMetricsSource(client, settings.base_currency)


def actuals_collection(
    session: SessionDep,
    settings: KpiSettingsDep,
    request: Request,
    clients: Annotated[ClientsMetricsSource, Depends(clients_metrics)],
) -> ActualsCollection:
    sources: dict[str, ActualsSource] = {IndicatorSource.CLIENTS.value: clients}
    staff: ServiceClient | None = getattr(request.app.state, "staff_client", None)
    if staff is not None:  # without it, a cycle with staff indicators answers 503
        sources[IndicatorSource.STAFF.value] = StaffQualificationsSource(staff)
    return ActualsCollection(
        CycleRepository(session), CollectionRepository(session), sources, settings.grade_scale
    )


ActualsCollectionDep = Annotated[ActualsCollection, Depends(actuals_collection)]
