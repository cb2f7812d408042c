"""HTTP endpoints of appraisals: the sheet, actuals, reviews, calibration, appeals."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from services.kpi.access import APPRAISE, CALIBRATE, Caller, in_appraisal_office
from services.kpi.appraisals.rules import AppraisalState
from services.kpi.appraisals.schemas import (
    ActualEntry,
    ActualSnapshotRead,
    AppealLodge,
    AppealResolution,
    AppraisalEventRead,
    AppraisalRead,
    AppraisalSummary,
    CalibrationAdjustment,
    ManagerReview,
    SelfAssessment,
)
from services.kpi.dependencies import ActingEmployeeId, AppraisalServiceDep
from shared.concurrency import IfMatch, etag_for
from shared.contract_shape import answer_headers
from shared.errors import problem_responses
from shared.pagination import (
    Cursor,
    IdPath,
    Page,
    PageSize,
    cursor_key,
    keyset_page,
)

router = APIRouter(prefix="/v1/kpi/appraisals", tags=["appraisals"])

ItemPath = Annotated[int, Path(ge=1, le=2_147_483_647, description="The appraisal item's id.")]
WRITE_ERRORS = problem_responses(403, 404, 409, 412, 422, 428)


def _with_etag(response: Response, appraisal: AppraisalRead) -> AppraisalRead:
    response.headers["ETag"] = etag_for(appraisal.version)
    return appraisal


@router.get(
    "",
    dependencies=[Depends(APPRAISE)],
    response_model=Page[AppraisalSummary],
    summary="List appraisals",
    responses=problem_responses(401, 403, 400, 422),
)
async def list_appraisals(
    service: AppraisalServiceDep,
    cycle_id: Annotated[int | None, Query(ge=1)] = None,
    state: Annotated[AppraisalState | None, Query()] = None,
    employee_id: Annotated[int | None, Query(ge=1)] = None,
    department_id: Annotated[int | None, Query(ge=1)] = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[AppraisalSummary]:
    after_id = cursor_key(cursor)
    rows = await service.list_page(
        cycle_id=cycle_id, state=state, employee_id=employee_id,
        department_id=department_id, after_id=after_id, limit=limit,
    )  # fmt: skip
    return keyset_page(rows, limit)


@router.get(
    "/{appraisal_id}",
    dependencies=[Depends(APPRAISE)],
    response_model=AppraisalRead,
    summary="Get an appraisal with its sheet (scores explained by target, actual and rule)",
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def get_appraisal(
    appraisal_id: IdPath, service: AppraisalServiceDep, response: Response
) -> AppraisalRead:
    return _with_etag(response, await service.read(appraisal_id))


@router.get(
    "/{appraisal_id}/history",
    dependencies=[Depends(APPRAISE)],
    response_model=list[AppraisalEventRead],
    summary="Every decision on the appraisal, with actor and reason",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_appraisal_history(
    appraisal_id: IdPath, service: AppraisalServiceDep
) -> list[AppraisalEventRead]:
    return [AppraisalEventRead.model_validate(e) for e in await service.history(appraisal_id)]


@router.get(
    "/{appraisal_id}/items/{item_id}/actuals",
    dependencies=[Depends(APPRAISE)],
    response_model=list[ActualSnapshotRead],
    summary="Every recorded actual of an item (source and time)",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_item_actuals(
    appraisal_id: IdPath, item_id: ItemPath, service: AppraisalServiceDep
) -> list[ActualSnapshotRead]:
    rows = await service.actual_history(appraisal_id, item_id)
    return [ActualSnapshotRead.model_validate(row) for row in rows]


@router.put(
    "/{appraisal_id}/items/{item_id}/actual",
    dependencies=[Depends(APPRAISE)],
    response_model=AppraisalRead,
    summary="Enter an item's actual value (the manager or the appraisal administrator); "
    "on an automatic indicator an audited override with a reason",
    responses=WRITE_ERRORS,
    openapi_extra=answer_headers(200, etag=True),
)
async def record_actual(
    appraisal_id: IdPath, item_id: ItemPath, entry: ActualEntry, service: AppraisalServiceDep,
    actor: ActingEmployeeId, principal: Caller, response: Response, if_match: IfMatch = None,
) -> AppraisalRead:  # fmt: skip
    return _with_etag(
        response,
        await service.record_actual(
            appraisal_id,
            item_id,
            entry,
            actor_employee_id=actor,
            if_match=if_match,
            appraisal_office=in_appraisal_office(principal),
            actor=principal.subject,
        ),
    )


@router.post(
    "/{appraisal_id}/self-assessment",
    dependencies=[Depends(APPRAISE)],
    response_model=AppraisalRead,
    summary="Submit the self-assessment (the appraised employee)",
    responses=WRITE_ERRORS,
    openapi_extra=answer_headers(200, etag=True),
)
async def submit_self_assessment(
    appraisal_id: IdPath, data: SelfAssessment, service: AppraisalServiceDep,
    actor: ActingEmployeeId, response: Response, if_match: IfMatch = None,
) -> AppraisalRead:  # fmt: skip
    return _with_etag(
        response,
        await service.submit_self_assessment(
            appraisal_id, data, actor_employee_id=actor, if_match=if_match
        ),
    )


@router.post(
    "/{appraisal_id}/manager-review",
    dependencies=[Depends(APPRAISE)],
    response_model=AppraisalRead,
    summary="Submit the manager review (the employee's manager); scores the sheet",
    responses=WRITE_ERRORS,
    openapi_extra=answer_headers(200, etag=True),
)
async def submit_manager_review(
    appraisal_id: IdPath, data: ManagerReview, service: AppraisalServiceDep,
    actor: ActingEmployeeId, response: Response, if_match: IfMatch = None,
) -> AppraisalRead:  # fmt: skip
    return _with_etag(
        response,
        await service.submit_manager_review(
            appraisal_id, data, actor_employee_id=actor, if_match=if_match
        ),
    )


@router.post(
    "/{appraisal_id}/calibration-adjustment",
    dependencies=[Depends(CALIBRATE)],
    response_model=AppraisalRead,
    summary="Adjust the final score or grade in calibration, with the reason",
    responses=WRITE_ERRORS,
    openapi_extra=answer_headers(200, etag=True),
)
async def adjust_in_calibration(
    appraisal_id: IdPath, data: CalibrationAdjustment, service: AppraisalServiceDep,
    actor: ActingEmployeeId, response: Response, if_match: IfMatch = None,
) -> AppraisalRead:  # fmt: skip
    return _with_etag(
        response,
        await service.adjust_in_calibration(
            appraisal_id, data, actor_employee_id=actor, if_match=if_match
        ),
    )


@router.post(
    "/{appraisal_id}/acknowledgement",
    dependencies=[Depends(APPRAISE)],
    response_model=AppraisalRead,
    summary="Acknowledge the calibrated result (the appraised employee)",
    responses=WRITE_ERRORS,
    openapi_extra=answer_headers(200, etag=True),
)
async def acknowledge_appraisal(
    appraisal_id: IdPath, service: AppraisalServiceDep, actor: ActingEmployeeId,
    response: Response, if_match: IfMatch = None,
) -> AppraisalRead:  # fmt: skip
    return _with_etag(
        response,
        await service.acknowledge(appraisal_id, actor_employee_id=actor, if_match=if_match),
    )


@router.post(
    "/{appraisal_id}/appeal",
    dependencies=[Depends(APPRAISE)],
    response_model=AppraisalRead,
    summary="Lodge an appeal against the calibrated result (the appraised employee)",
    responses=WRITE_ERRORS,
    openapi_extra=answer_headers(200, etag=True),
)
async def lodge_appeal(
    appraisal_id: IdPath, data: AppealLodge, service: AppraisalServiceDep,
    actor: ActingEmployeeId, response: Response, if_match: IfMatch = None,
) -> AppraisalRead:  # fmt: skip
    return _with_etag(
        response,
        await service.lodge_appeal(appraisal_id, data, actor_employee_id=actor, if_match=if_match),
    )


@router.post(
    "/{appraisal_id}/appeal-resolution",
    dependencies=[Depends(CALIBRATE)],
    response_model=AppraisalRead,
    summary="Resolve an appeal, optionally changing the final score or grade",
    responses=WRITE_ERRORS,
    openapi_extra=answer_headers(200, etag=True),
)
async def resolve_appeal(
    appraisal_id: IdPath, data: AppealResolution, service: AppraisalServiceDep,
    actor: ActingEmployeeId, response: Response, if_match: IfMatch = None,
) -> AppraisalRead:  # fmt: skip
    return _with_etag(
        response,
        await service.resolve_appeal(
            appraisal_id, data, actor_employee_id=actor, if_match=if_match
        ),
    )
