"""HTTP endpoints of above-authority requests."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from services.clients.approvals.rules import ApprovalState
from services.clients.approvals.schemas import (
    ApprovalDecision,
    ApprovalRequestRead,
    RefusalDecision,
)
from services.clients.dependencies import ApprovalServiceDep, ApprovalViewer
from services.clients.keyset import cursor_id
from services.clients.policies import APPROVALS
from shared.errors import problem_response, problem_responses
from shared.pagination import Cursor, IdPath, Page, PageSize, keyset_page

router = APIRouter(prefix="/v1/clients/approvals", tags=["approvals"])

_VISIBILITY = (
    "A request is seen by its requester, its approver, their managers, the department "
    "manager and administrators; to anyone else it does not exist."
)


@router.get(
    "",
    dependencies=[Depends(APPROVALS)],
    response_model=Page[ApprovalRequestRead],
    summary="Above-authority requests the caller sees, newest first",
    description=_VISIBILITY
    + " `state=pending&for_me=true` lists the requests waiting for the caller's decision.",
    responses=problem_responses(401, 403, 400, 422),
)
async def list_approval_requests(
    service: ApprovalServiceDep,
    viewer: ApprovalViewer,
    state: ApprovalState | None = None,
    for_me: Annotated[
        bool, Query(description="Only requests the caller may approve or refuse.")
    ] = False,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[ApprovalRequestRead]:
    rows = await service.list(
        viewer, state=state, for_me=for_me, before_id=cursor_id(cursor), limit=limit
    )
    return keyset_page([ApprovalRequestRead.model_validate(row) for row in rows], limit)


@router.get(
    "/{approval_request_id}",
    dependencies=[Depends(APPROVALS)],
    response_model=ApprovalRequestRead,
    summary="One above-authority request",
    description=_VISIBILITY,
    responses=problem_responses(401, 403, 404, 422),
)
async def get_approval_request(
    approval_request_id: IdPath, service: ApprovalServiceDep, viewer: ApprovalViewer
) -> ApprovalRequestRead:
    return ApprovalRequestRead.model_validate(await service.get(approval_request_id, viewer))


@router.post(
    "/{approval_request_id}/approve",
    dependencies=[Depends(APPROVALS)],
    response_model=ApprovalRequestRead,
    summary="Approve a request: the change is re-validated and applied",
    description=(
        "Decided by the requester's superior (at the top: another department manager or an "
        "administrator; never the requester). The change is re-validated: if the record "
        "moved since the request (e.g. the credit score changed), nothing is applied, the "
        "request becomes `failed` with the reason, and the answer is 409. 409 as well for "
        "a request already decided; 403 for a caller who sees it but does not decide it."
    ),
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def approve_request(
    approval_request_id: IdPath,
    service: ApprovalServiceDep,
    viewer: ApprovalViewer,
    data: ApprovalDecision | None = None,
) -> ApprovalRequestRead | JSONResponse:
    comment = data.comment if data is not None else None
    request = await service.approve(approval_request_id, viewer, comment)
    if request.state == ApprovalState.FAILED:
        # The failed state is kept (the session commits): no exception, a problem answer.
        return problem_response(
            409,
            slug="approval-failed",
            detail=request.failure_reason,
            extra={"approval_request_id": request.id, "state": request.state},
        )
    return ApprovalRequestRead.model_validate(request)


@router.post(
    "/{approval_request_id}/refuse",
    dependencies=[Depends(APPROVALS)],
    response_model=ApprovalRequestRead,
    summary="Refuse a request, with the reason; nothing is applied",
    description="Decided as for approving. 409 for a request already decided.",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def refuse_request(
    approval_request_id: IdPath,
    data: RefusalDecision,
    service: ApprovalServiceDep,
    viewer: ApprovalViewer,
) -> ApprovalRequestRead:
    request = await service.refuse(approval_request_id, viewer, data.comment)
    return ApprovalRequestRead.model_validate(request)
