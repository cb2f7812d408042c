"""The kpi service's composition: settings, the caller's scope and actor, and every
``build_*`` factory that wires a domain's service to its repositories.

Domains import their route dependencies from here and never from each other's modules;
this is the only place that knows how the domains fit together. ``build_*`` take a
session and the settings so work outside a request wires services the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from services.kpi.access import KpiScope, acting_employee_id, caller_scope
from services.kpi.appraisals.actuals import ActualsSource
from services.kpi.appraisals.repository import AppraisalRepository
from services.kpi.appraisals.service import AppraisalService
from services.kpi.bonus.repository import BonusRepository
from services.kpi.bonus.service import BonusService
from services.kpi.collection.clients_source import ClientsMetricsSource
from services.kpi.collection.repository import CollectionRepository
from services.kpi.collection.service import ActualsCollection
from services.kpi.collection.staff_source import StaffQualificationsSource
from services.kpi.cycles.repository import CycleRepository
from services.kpi.cycles.service import CycleService
from services.kpi.inbox.repository import WorkItemOutbox
from services.kpi.inbox.service import AppraisalWorkItems
from services.kpi.indicators.repository import IndicatorRepository
from services.kpi.indicators.schemas import IndicatorSource
from services.kpi.indicators.service import IndicatorService
from services.kpi.org.repository import OrgRepository, StandInRepository
from services.kpi.org.service import OrgService, StandInService
from services.kpi.rollups.repository import RollupRepository
from services.kpi.rollups.service import RollupService
from services.kpi.settings import KpiSettings
from services.kpi.targets.repository import TargetRepository
from services.kpi.targets.service import TargetService
from services.kpi.templates.position_duties import PositionDuties, StaffPositionDuties
from services.kpi.templates.repository import TemplateRepository
from services.kpi.templates.service import TemplateService
from shared.db import SessionDep
from shared.errors import ServiceUnavailable
from shared.http_client import ServiceClient
from shared.org_copy.staff_source import StaffEmployeesClient

# --- settings, scope and actor ------------------------------------------------------------


def kpi_settings(request: Request) -> KpiSettings:
    settings = request.app.state.settings
    assert isinstance(settings, KpiSettings)
    return settings


KpiSettingsDep = Annotated[KpiSettings, Depends(kpi_settings)]
Scope = Annotated[KpiScope, Depends(caller_scope)]
ActingEmployeeId = Annotated[int, Depends(acting_employee_id)]


def _upstream(request: Request, attribute: str, name: str) -> ServiceClient:
    client: ServiceClient | None = getattr(request.app.state, attribute, None)
    if client is None:
        raise ServiceUnavailable(f"the client for the {name} service is not configured")
    return client


# --- factories ----------------------------------------------------------------------------


def build_indicator_service(session: AsyncSession) -> IndicatorService:
    return IndicatorService(IndicatorRepository(session))


def build_template_service(session: AsyncSession, duties: PositionDuties) -> TemplateService:
    return TemplateService(TemplateRepository(session), IndicatorRepository(session), duties)


def build_target_service(session: AsyncSession, scope: KpiScope) -> TargetService:
    return TargetService(
        TargetRepository(session), IndicatorRepository(session), OrgRepository(session),
        scope=scope,
    )  # fmt: skip


def build_appraisal_work_items(session: AsyncSession) -> AppraisalWorkItems:
    """Work items of the appraisal flow, written to kpi's outbox in the session's transaction."""
    return AppraisalWorkItems(WorkItemOutbox(session))


def build_cycle_service(session: AsyncSession, settings: KpiSettings) -> CycleService:
    return CycleService(
        CycleRepository(session),
        AppraisalRepository(session),
        TemplateRepository(session),
        settings.grade_scale,
        settings.calibration_max_share,
        settings.calibration_enforce_distribution,
        build_appraisal_work_items(session),
    )


def build_appraisal_service(
    session: AsyncSession, settings: KpiSettings, scope: KpiScope
) -> AppraisalService:
    return AppraisalService(
        AppraisalRepository(session),
        CycleRepository(session),
        OrgRepository(session),
        settings.grade_scale,
        scope=scope,
        target_max_share=settings.calibration_max_share,
        work_items=build_appraisal_work_items(session),
    )


def build_rollup_service(
    session: AsyncSession, settings: KpiSettings, scope: KpiScope
) -> RollupService:
    return RollupService(
        RollupRepository(session),
        CycleRepository(session),
        settings.grade_scale,
        settings.bonus_coefficients,
        scope=scope,
        bonus=BonusRepository(session),
        currency=settings.base_currency,
    )


def build_bonus_service(
    session: AsyncSession, settings: KpiSettings, scope: KpiScope
) -> BonusService:
    return BonusService(
        BonusRepository(session), CycleRepository(session), AppraisalRepository(session),
        scope=scope, currency=settings.base_currency,
    )  # fmt: skip


def build_actuals_collection(
    session: AsyncSession, settings: KpiSettings, sources: Mapping[str, ActualsSource]
) -> ActualsCollection:
    """Collection from every indicator source kpi has a client for (by source name)."""
    return ActualsCollection(
        CycleRepository(session), CollectionRepository(session), sources, settings.grade_scale
    )


def build_org_service(session: AsyncSession) -> OrgService:
    return OrgService(OrgRepository(session))


# --- route dependencies -------------------------------------------------------------------


def clients_metrics(request: Request, settings: KpiSettingsDep) -> ClientsMetricsSource:
    return ClientsMetricsSource(
        _upstream(request, "clients_client", "clients"), settings.base_currency
    )


def staff_employees(request: Request) -> StaffEmployeesClient:
    return StaffEmployeesClient(_upstream(request, "staff_client", "staff"))


def indicator_service(session: SessionDep) -> IndicatorService:
    return build_indicator_service(session)


def template_service(session: SessionDep, request: Request) -> TemplateService:
    # Staff is asked only when a template cites duties, so the client may be absent.
    staff: ServiceClient | None = getattr(request.app.state, "staff_client", None)
    return build_template_service(session, StaffPositionDuties(staff))


def target_service(session: SessionDep, scope: Scope) -> TargetService:
    return build_target_service(session, scope)


def cycle_service(session: SessionDep, settings: KpiSettingsDep) -> CycleService:
    return build_cycle_service(session, settings)


def appraisal_service(
    session: SessionDep, settings: KpiSettingsDep, scope: Scope
) -> AppraisalService:
    return build_appraisal_service(session, settings, scope)


def rollup_service(session: SessionDep, settings: KpiSettingsDep, scope: Scope) -> RollupService:
    return build_rollup_service(session, settings, scope)


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
    return build_actuals_collection(session, settings, sources)


def bonus_service(session: SessionDep, settings: KpiSettingsDep, scope: Scope) -> BonusService:
    return build_bonus_service(session, settings, scope)


def org_service(session: SessionDep) -> OrgService:
    return build_org_service(session)


def stand_in_service(session: SessionDep) -> StandInService:
    return StandInService(StandInRepository(session))


IndicatorServiceDep = Annotated[IndicatorService, Depends(indicator_service)]
TemplateServiceDep = Annotated[TemplateService, Depends(template_service)]
TargetServiceDep = Annotated[TargetService, Depends(target_service)]
CycleServiceDep = Annotated[CycleService, Depends(cycle_service)]
AppraisalServiceDep = Annotated[AppraisalService, Depends(appraisal_service)]
RollupServiceDep = Annotated[RollupService, Depends(rollup_service)]
ActualsCollectionDep = Annotated[ActualsCollection, Depends(actuals_collection)]
BonusServiceDep = Annotated[BonusService, Depends(bonus_service)]
OrgServiceDep = Annotated[OrgService, Depends(org_service)]
StandInServiceDep = Annotated[StandInService, Depends(stand_in_service)]
StaffEmployeesDep = Annotated[StaffEmployeesClient, Depends(staff_employees)]
