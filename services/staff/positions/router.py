"""HTTP endpoints of position descriptions: thin, everything else is in the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from services.staff.access import APPROVE_POSITIONS, DRAFT_POSITIONS, READ_ORG
from services.staff.dependencies import AcknowledgementServiceDep, PositionServiceDep
from services.staff.positions.models import Position, PositionVersion, VersionStatus
from services.staff.positions.repository import PositionRow
from services.staff.positions.schemas import (
    AcknowledgementRead,
    OutstandingAcknowledgement,
    PositionCreate,
    PositionRead,
    PositionVersionRead,
    PositionVersionUpdate,
    VersionDiff,
)
from shared.auth.principal import Principal
from shared.concurrency import IfMatch, etag_for
from shared.contract_shape import answer_headers
from shared.errors import problem_responses
from shared.pagination import (
    Cursor,
    IdPath,
    Page,
    PageSize,
    cursor_key,
    encode_cursor,
    keyset_page,
)

router = APIRouter(prefix="/v1/staff/positions", tags=["positions"])

VersionNo = Annotated[
    int, Path(ge=1, le=2_147_483_647, description="The version number (1, 2, …).")
]


def position_read(row: PositionRow) -> PositionRead:
    position, version = row
    assert position.id is not None
    return PositionRead(
        id=position.id,
        code=position.code,
        title=version.title if version else None,
        department_id=version.department_id if version else None,
        reports_to_code=version.reports_to_code if version else None,
        headcount_quota=version.headcount_quota if version else None,
        status=VersionStatus(version.status) if version else None,
        shown_version_no=version.version_no if version else None,
        in_force_version_no=(
            version.version_no if version and version.status == VersionStatus.APPROVED else None
        ),
        created_at=position.created_at,
    )


def version_read(code: str, version: PositionVersion, response: Response) -> PositionVersionRead:
    response.headers["ETag"] = etag_for(version.version)
    return PositionVersionRead.model_validate(version.model_dump() | {"code": code})


async def _code(service: PositionServiceDep, position_id: int) -> str:
    position: Position = await service.get(position_id)
    return position.code


@router.get(
    "",
    dependencies=[Depends(READ_ORG)],
    response_model=Page[PositionRead],
    summary="List positions",
    responses=problem_responses(401, 403, 400, 422),
)
async def list_positions(
    service: PositionServiceDep,
    department_id: Annotated[int | None, Query(ge=1, description="In this department.")] = None,
    status: Annotated[
        VersionStatus | None, Query(description="Status of the version shown.")
    ] = None,
    q: Annotated[str | None, Query(max_length=100, description="Text in code or title.")] = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[PositionRead]:
    after_id = cursor_key(cursor)
    rows = await service.list(
        department_id=department_id, status=status, text_query=q, after_id=after_id, limit=limit
    )
    items = [position_read(row) for row in rows]
    return keyset_page(items, limit)


@router.post(
    "",
    dependencies=[Depends(DRAFT_POSITIONS)],
    response_model=PositionVersionRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create a position with draft version 1",
    responses=problem_responses(401, 403, 409, 422),
    openapi_extra=answer_headers(201, etag=True, location=True),
)
async def create_position(
    data: PositionCreate,
    service: PositionServiceDep,
    response: Response,
    author: Annotated[Principal, Depends(DRAFT_POSITIONS)],
) -> PositionVersionRead:
    position, version = await service.create(data, actor=author)
    response.headers["Location"] = f"{router.prefix}/{position.id}/versions/1"
    return version_read(position.code, version, response)


@router.get(
    "/acknowledgements/outstanding",
    response_model=Page[OutstandingAcknowledgement],
    summary="Who has not acknowledged (本人已阅) the description of his position in force",
    description="Administrators and department managers see everyone (optionally one "
    "department); anyone else sees his direct reports.",
    responses=problem_responses(401, 403, 422),
)
async def list_outstanding_acknowledgements(
    service: AcknowledgementServiceDep,
    caller: Annotated[Principal, Depends(READ_ORG)],
    department_id: Annotated[int | None, Query(ge=1, description="In this department.")] = None,
) -> Page[OutstandingAcknowledgement]:
    rows = await service.outstanding(caller, department_id)
    return Page[OutstandingAcknowledgement](
        items=[OutstandingAcknowledgement.model_validate(row, from_attributes=True) for row in rows]
    )


@router.get(
    "/{position_id}",
    dependencies=[Depends(READ_ORG)],
    response_model=PositionRead,
    summary="Get one position (the version in force, else the newest)",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_position(position_id: IdPath, service: PositionServiceDep) -> PositionRead:
    return position_read(await service.get_row(position_id))


@router.get(
    "/{position_id}/subordinates",
    dependencies=[Depends(READ_ORG)],
    response_model=list[PositionRead],
    summary="Direct subordinate positions (derived from reports-to)",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_subordinates(position_id: IdPath, service: PositionServiceDep) -> list[PositionRead]:
    return [position_read(row) for row in await service.subordinates(position_id)]


@router.get(
    "/{position_id}/versions",
    dependencies=[Depends(READ_ORG)],
    response_model=Page[PositionVersionRead],
    summary="List the versions of a position",
    responses=problem_responses(401, 403, 400, 404, 422),
)
async def list_versions(
    position_id: IdPath,
    service: PositionServiceDep,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[PositionVersionRead]:
    after_no = cursor_key(cursor, "version_no")
    code = await _code(service, position_id)
    rows = await service.list_versions(position_id, after_no=after_no, limit=limit)
    items = [PositionVersionRead.model_validate(v.model_dump() | {"code": code}) for v in rows]
    next_cursor = (
        encode_cursor({"version_no": items[-1].version_no}) if len(items) == limit else None
    )
    return Page[PositionVersionRead](items=items, next_cursor=next_cursor)


@router.get(
    "/{position_id}/versions/{version_no}",
    dependencies=[Depends(READ_ORG)],
    response_model=PositionVersionRead,
    summary="Get one version",
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def get_version(
    position_id: IdPath, version_no: VersionNo, service: PositionServiceDep, response: Response
) -> PositionVersionRead:
    version = await service.get_version(position_id, version_no)
    return version_read(await _code(service, position_id), version, response)


@router.patch(
    "/{position_id}/versions/{version_no}",
    dependencies=[Depends(DRAFT_POSITIONS)],
    response_model=PositionVersionRead,
    summary="Change a draft (needs If-Match)",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
    openapi_extra=answer_headers(200, etag=True),
)
async def update_draft(
    position_id: IdPath,
    version_no: VersionNo,
    data: PositionVersionUpdate,
    service: PositionServiceDep,
    response: Response,
    if_match: IfMatch = None,
) -> PositionVersionRead:
    version = await service.update_draft(position_id, version_no, data, if_match)
    return version_read(await _code(service, position_id), version, response)


@router.post(
    "/{position_id}/versions/{version_no}/submit",
    dependencies=[Depends(DRAFT_POSITIONS)],
    response_model=PositionVersionRead,
    summary="Submit a draft for review",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def submit_version(
    position_id: IdPath,
    version_no: VersionNo,
    service: PositionServiceDep,
    response: Response,
    submitter: Annotated[Principal, Depends(DRAFT_POSITIONS)],
    if_match: IfMatch = None,
) -> PositionVersionRead:
    version = await service.submit(position_id, version_no, if_match, actor=submitter)
    return version_read(await _code(service, position_id), version, response)


@router.post(
    "/{position_id}/versions/{version_no}/return",
    dependencies=[Depends(DRAFT_POSITIONS)],
    response_model=PositionVersionRead,
    summary="Send a version under review back to draft",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def return_version(
    position_id: IdPath,
    version_no: VersionNo,
    service: PositionServiceDep,
    response: Response,
    if_match: IfMatch = None,
) -> PositionVersionRead:
    version = await service.return_to_draft(position_id, version_no, if_match)
    return version_read(await _code(service, position_id), version, response)


@router.post(
    "/{position_id}/versions/{version_no}/approve",
    dependencies=[Depends(APPROVE_POSITIONS)],
    response_model=PositionVersionRead,
    summary="Approve a version under review (retires the one in force)",
    description="Four eyes: not by the one who submitted it. By the holder of the position "
    "the description names as approver, else (none named, or vacant) a department manager "
    "above it (at the top: another department manager), or an administrator.",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def approve_version(
    position_id: IdPath,
    version_no: VersionNo,
    service: PositionServiceDep,
    response: Response,
    approver: Annotated[Principal, Depends(APPROVE_POSITIONS)],
    if_match: IfMatch = None,
) -> PositionVersionRead:
    version = await service.approve(position_id, version_no, if_match, actor=approver)
    return version_read(await _code(service, position_id), version, response)


@router.post(
    "/{position_id}/versions/{version_no}/retire",
    dependencies=[Depends(APPROVE_POSITIONS)],
    response_model=PositionVersionRead,
    summary="Retire a version",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def retire_version(
    position_id: IdPath,
    version_no: VersionNo,
    service: PositionServiceDep,
    response: Response,
    if_match: IfMatch = None,
) -> PositionVersionRead:
    version = await service.retire(position_id, version_no, if_match)
    return version_read(await _code(service, position_id), version, response)


@router.post(
    "/{position_id}/versions/{version_no}/revise",
    dependencies=[Depends(DRAFT_POSITIONS)],
    response_model=PositionVersionRead,
    status_code=status.HTTP_201_CREATED,
    summary="Start a new draft copied from a version (how approved ones are edited)",
    responses=problem_responses(401, 403, 404, 409, 422),
    openapi_extra=answer_headers(201, etag=True, location=True),
)
async def revise_version(
    position_id: IdPath,
    version_no: VersionNo,
    service: PositionServiceDep,
    response: Response,
    author: Annotated[Principal, Depends(DRAFT_POSITIONS)],
) -> PositionVersionRead:
    draft = await service.revise(position_id, version_no, actor=author)
    response.headers["Location"] = f"{router.prefix}/{position_id}/versions/{draft.version_no}"
    return version_read(await _code(service, position_id), draft, response)


@router.post(
    "/{position_id}/versions/{version_no}/acknowledge",
    response_model=AcknowledgementRead,
    summary="Acknowledge (本人已阅) the description of one's own position in force",
    description="The caller's employee must hold the position and the version must be the "
    "one in force (409 otherwise). A newly approved version needs a new acknowledgement.",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def acknowledge_version(
    position_id: IdPath,
    version_no: VersionNo,
    service: AcknowledgementServiceDep,
    reader: Annotated[Principal, Depends(READ_ORG)],
) -> AcknowledgementRead:
    acknowledged = await service.acknowledge(reader, position_id, version_no)
    return AcknowledgementRead.model_validate(acknowledged, from_attributes=True)


@router.get(
    "/{position_id}/diff",
    dependencies=[Depends(READ_ORG)],
    response_model=VersionDiff,
    summary="What changed between two versions",
    responses=problem_responses(401, 403, 404, 422),
)
async def diff_versions(
    position_id: IdPath,
    service: PositionServiceDep,
    from_version: Annotated[int, Query(alias="from", ge=1, le=2_147_483_647)],
    to_version: Annotated[int, Query(alias="to", ge=1, le=2_147_483_647)],
) -> VersionDiff:
    changes = await service.diff(position_id, from_version, to_version)
    return VersionDiff.model_validate(
        {
            "code": await _code(service, position_id),
            "from_version_no": from_version,
            "to_version_no": to_version,
            "changes": changes,
        }
    )
