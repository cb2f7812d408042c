"""HTTP endpoints of roll-ups (汇总) and exports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from services.kpi.access import READ_ROLLUPS
from services.kpi.dependencies import RollupServiceDep
from services.kpi.rollups.schemas import CycleRollup, ExportFormat, GroupBy, Trend
from services.kpi.rollups.spreadsheet import XLSX_MEDIA_TYPE
from shared.errors import problem_responses
from shared.pagination import IdPath
from shared.periods import PeriodKind
from shared.sheet_language import SheetLanguageDep

router = APIRouter(prefix="/v1/kpi", tags=["rollups"])


@router.get(
    "/cycles/{cycle_id}/rollup",
    dependencies=[Depends(READ_ROLLUPS)],
    response_model=CycleRollup,
    summary="Average score, grade distribution and indicator attainment per team or department",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_cycle_rollup(
    cycle_id: IdPath,
    service: RollupServiceDep,
    group_by: Annotated[GroupBy, Query()] = GroupBy.DEPARTMENT,
) -> CycleRollup:
    return await service.cycle_rollup(cycle_id, group_by)


@router.get(
    "/rollups/trend",
    dependencies=[Depends(READ_ROLLUPS)],
    response_model=Trend,
    summary="Average score and grade distribution over the latest cycles",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_trend(
    service: RollupServiceDep,
    period_kind: Annotated[PeriodKind, Query()] = PeriodKind.MONTH,
    department_id: Annotated[int | None, Query(ge=1)] = None,
    cycles: Annotated[int, Query(ge=1, le=60, description="How many cycles back")] = 12,
) -> Trend:
    return await service.trend(period_kind, department_id, cycles)


@router.get(
    "/cycles/{cycle_id}/export",
    dependencies=[Depends(READ_ROLLUPS)],
    response_class=StreamingResponse,
    summary="Export the cycle's results with each employee's bonus factor (CSV or XLSX)",
    responses={
        200: {
            "content": {
                "text/csv": {"example": "员工编号,工号,姓名,...\n"},
                XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
            }
        },
        **problem_responses(401, 403, 404, 422),
    },
)
async def export_cycle(
    cycle_id: IdPath,
    service: RollupServiceDep,
    lang: SheetLanguageDep,
    export_format: Annotated[ExportFormat, Query(alias="format")] = ExportFormat.CSV,
) -> StreamingResponse:
    if export_format is ExportFormat.XLSX:
        return StreamingResponse(
            await service.export_xlsx(cycle_id, lang),
            media_type=XLSX_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="cycle-{cycle_id}.xlsx"'},
        )
    return StreamingResponse(
        await service.export_csv(cycle_id, lang),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="cycle-{cycle_id}.csv"'},
    )
