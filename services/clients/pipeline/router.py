"""HTTP endpoints of the pipeline reports (销售预测 / 销售机会报表). Read-only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from services.clients.accounts.spreadsheet import XLSX_MEDIA_TYPE
from services.clients.calendar.today import company_today
from services.clients.dependencies import AccountScope, PipelineReportsDep, SettingsDep
from services.clients.pipeline.repository import PipelineFilter
from services.clients.pipeline.rules import GroupBy
from services.clients.pipeline.schemas import (
    ConversionReport,
    ForecastReport,
    MonthText,
    OpportunityReport,
    ReportFormat,
    StuckReport,
)
from services.clients.pipeline.service import Window, month_text
from services.clients.pipeline.spreadsheet import report_xlsx
from services.clients.policies import READ_PIPELINE
from shared.errors import problem_responses
from shared.pagination import RecordId
from shared.sheet_language import SheetLanguageDep

router = APIRouter(prefix="/v1/clients/pipeline", tags=["pipeline"])

FirstMonth = Annotated[
    MonthText | None, Query(description="YYYY-MM; default: this month.", examples=["2026-12"])
]
LastMonth = Annotated[
    MonthText | None,
    Query(description="YYYY-MM, at most 24 months after the first; default: the first."),
]
OwnerIds = Annotated[
    list[RecordId] | None, Query(description="Only these owners (repeat).", max_length=100)
]
TeamId = Annotated[
    RecordId | None, Query(description="Only the team of this lead (his direct reports).")
]
DepartmentId = Annotated[RecordId | None, Query(description="Only owners of this department.")]
GroupByQuery = Annotated[GroupBy, Query(description="owner, team (the lead) or department.")]

SCOPE_NOTE = (
    " Only opportunities on accounts the caller may see count (an account manager his own, a "
    "team lead his team's, the department manager all)."
)


def _window(settings: SettingsDep, first: str | None, last: str | None) -> Window:
    this_month = month_text(company_today(settings.timezone)())
    return Window.of(first or this_month, last or first or this_month)


def _filters(
    window: Window | None,
    owner_id: list[int] | None,
    team_id: int | None,
    department_id: int | None,
) -> PipelineFilter:
    return PipelineFilter(
        first=window.first if window else None,
        last=window.last if window else None,
        owner_ids=frozenset(owner_id) if owner_id else None,
        team_id=team_id,
        department_id=department_id,
    )


@router.get(
    "/forecast",
    dependencies=[Depends(READ_PIPELINE)],
    response_model=ForecastReport,
    summary="Weighted pipeline and forecast per owner, team or department and month",
    description=(
        "Open opportunities count in their expected close month: pipeline (all), weighted "
        "(amount × probability, each to the cent), best case and commit (by the settings' "
        "probabilities and commit stages); won ones in the month they were won. Amounts in "
        "the base currency at the rates in force today. Targets are the KPI target plan's "
        "month targets of the group's people; when kpi does not answer, the report still "
        "does, with targets null and a note." + SCOPE_NOTE
    ),
    responses=problem_responses(401, 403, 422),
)
async def pipeline_forecast(
    service: PipelineReportsDep,
    settings: SettingsDep,
    scope: AccountScope,
    group_by: GroupByQuery = GroupBy.OWNER,
    first_month: FirstMonth = None,
    last_month: LastMonth = None,
    owner_id: OwnerIds = None,
    team_id: TeamId = None,
    department_id: DepartmentId = None,
) -> ForecastReport:
    window = _window(settings, first_month, last_month)
    filters = _filters(window, owner_id, team_id, department_id)
    return await service.forecast(group_by, window, scope, filters)


@router.get(
    "/conversion",
    dependencies=[Depends(READ_PIPELINE)],
    response_model=ConversionReport,
    summary="Stage conversion and win rate per owner, team or department",
    description=(
        "Conversion of each open stage over the stage changes made in the months (entered, "
        "left forward, lost; rate null when none entered); win rate won / (won + lost) of "
        "the opportunities closed in the months, null (not 0) when none closed." + SCOPE_NOTE
    ),
    responses=problem_responses(401, 403, 422),
)
async def pipeline_conversion(
    service: PipelineReportsDep,
    settings: SettingsDep,
    scope: AccountScope,
    group_by: GroupByQuery = GroupBy.OWNER,
    first_month: FirstMonth = None,
    last_month: LastMonth = None,
    owner_id: OwnerIds = None,
    team_id: TeamId = None,
    department_id: DepartmentId = None,
) -> ConversionReport:
    window = _window(settings, first_month, last_month)
    filters = _filters(window, owner_id, team_id, department_id)
    return await service.conversion(group_by, window, scope, filters)


@router.get(
    "/stuck",
    dependencies=[Depends(READ_PIPELINE)],
    response_model=StuckReport,
    summary="Stuck opportunities: open ones longer in their stage than the setting allows",
    description="Longest first; the limit is CLIENTS_PIPELINE_STUCK_DAYS." + SCOPE_NOTE,
    responses=problem_responses(401, 403, 422),
)
async def stuck_opportunities(
    service: PipelineReportsDep,
    scope: AccountScope,
    owner_id: OwnerIds = None,
    team_id: TeamId = None,
    department_id: DepartmentId = None,
) -> StuckReport:
    return await service.stuck(scope, _filters(None, owner_id, team_id, department_id))


@router.get(
    "/report",
    dependencies=[Depends(READ_PIPELINE)],
    response_model=OpportunityReport,
    summary="The 销售机会报表 of a team (or all one sees) for some months, as JSON or XLSX",
    description=(
        "The opportunities of the months with their weighted amounts and days in stage, the "
        "forecast per owner against the targets, and the stage conversion. `format=xlsx` "
        "gives a workbook (sheets 销售机会报表 and 销售预测) with Chinese headers and names "
        "(`lang=en`: column codes and ids)." + SCOPE_NOTE
    ),
    responses={
        200: {"content": {XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}},
        **problem_responses(401, 403, 422),
    },
)
async def opportunity_report(
    service: PipelineReportsDep,
    settings: SettingsDep,
    scope: AccountScope,
    lang: SheetLanguageDep,
    team_id: TeamId = None,
    first_month: FirstMonth = None,
    last_month: LastMonth = None,
    report_format: Annotated[ReportFormat, Query(alias="format")] = ReportFormat.JSON,
) -> OpportunityReport | StreamingResponse:
    window = _window(settings, first_month, last_month)
    report = await service.report(window, scope, _filters(window, None, team_id, None))
    if report_format is ReportFormat.XLSX:
        name = f"opportunities-{report.first_month}-{report.last_month}.xlsx"
        return StreamingResponse(
            report_xlsx(report, lang),
            media_type=XLSX_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return report
