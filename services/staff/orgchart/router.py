"""HTTP endpoint of the org chart."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.staff.access import READ_ORG
from services.staff.dependencies import OrgChartServiceDep
from services.staff.orgchart.schemas import OrgChart
from shared.errors import problem_responses

router = APIRouter(prefix="/v1/staff/org-chart", tags=["org-chart"])


@router.get(
    "",
    dependencies=[Depends(READ_ORG)],
    response_model=OrgChart,
    summary="The tree of departments, positions and people with headcount against quota",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_org_chart(
    service: OrgChartServiceDep,
    department_id: Annotated[
        int | None, Query(ge=1, le=2_147_483_647, description="Only this subtree.")
    ] = None,
) -> OrgChart:
    return await service.chart(department_id)
