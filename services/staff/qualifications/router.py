"""HTTP endpoints of the qualification check (任职资格) and rate (达标率)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from services.staff.access import QUALIFICATION_METRICS, READ_QUALIFICATIONS
from services.staff.dependencies import QualificationServiceDep
from services.staff.qualifications.schemas import (
    QualificationCheck,
    QualificationMetrics,
    QualificationMetricsRequest,
    QualificationRate,
)
from shared.auth.principal import Principal
from shared.errors import problem_responses
from shared.pagination import IdPath

router = APIRouter(prefix="/v1/staff", tags=["qualifications"])

# A team lead reads his own line's checks only (the service scopes by the org chart).
Reader = Annotated[Principal, Depends(READ_QUALIFICATIONS)]


@router.get(
    "/employees/{employee_id}/qualification",
    response_model=QualificationCheck,
    summary="Which requirements of the position an employee meets or misses",
    responses=problem_responses(401, 403, 404, 422),
)
async def check_employee_qualification(
    employee_id: IdPath, reader: Reader, service: QualificationServiceDep
) -> QualificationCheck:
    return await service.check_employee(employee_id, reader)


@router.get(
    "/departments/{department_id}/qualification-rate",
    response_model=QualificationRate,
    summary="员工任职资格达标率 of a department (sub-departments included)",
    responses=problem_responses(401, 403, 404, 422),
)
async def department_qualification_rate(
    department_id: IdPath, reader: Reader, service: QualificationServiceDep
) -> QualificationRate:
    return await service.department_rate(department_id, reader)


@router.post(
    "/qualifications/metrics/batch",
    dependencies=[Depends(QUALIFICATION_METRICS)],
    response_model=QualificationMetrics,
    summary="员工任职资格达标率 of each employee's department, for many employees (kpi)",
    responses=problem_responses(401, 403, 422),
)
async def qualification_metrics_batch(
    data: QualificationMetricsRequest, service: QualificationServiceDep
) -> QualificationMetrics:
    return await service.metrics_batch(data.period, data.employee_ids)
