"""HTTP endpoints of the qualification check (任职资格) and rate (达标率)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from services.staff.access import QUALIFICATION_METRICS, READ_QUALIFICATIONS
from services.staff.dependencies import QualificationServiceDep
from services.staff.qualifications.schemas import (
    QualificationCheck,
    QualificationMetrics,
    QualificationMetricsRequest,
    QualificationRate,
)
from shared.errors import problem_responses
from shared.pagination import IdPath

router = APIRouter(prefix="/v1/staff", tags=["qualifications"])


@router.get(
    "/employees/{employee_id}/qualification",
    dependencies=[Depends(READ_QUALIFICATIONS)],
    response_model=QualificationCheck,
    summary="Which requirements of the position an employee meets or misses",
    responses=problem_responses(401, 403, 404, 422),
)
async def check_employee_qualification(
    employee_id: IdPath, service: QualificationServiceDep
) -> QualificationCheck:
    return await service.check_employee(employee_id)


@router.get(
    "/departments/{department_id}/qualification-rate",
    dependencies=[Depends(READ_QUALIFICATIONS)],
    response_model=QualificationRate,
    summary="员工任职资格达标率 of a department (sub-departments included)",
    responses=problem_responses(401, 403, 404, 422),
)
async def department_qualification_rate(
    department_id: IdPath, service: QualificationServiceDep
) -> QualificationRate:
    return await service.department_rate(department_id)


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
