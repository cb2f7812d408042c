"""HTTP endpoints of account teams: list, add, change and remove members."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response

from services.clients.dependencies import AccountScope, ActorId, TeamServiceDep
from services.clients.policies import READ_ACCOUNTS, WRITE_ACCOUNTS
from services.clients.teams.models import AccountTeamMember
from services.clients.teams.rules import TeamAccess, TeamRole, role_label
from services.clients.teams.schemas import TeamMemberCreate, TeamMemberRead, TeamMemberUpdate
from shared.concurrency import IfMatch, etag_for
from shared.contract_shape import answer_headers
from shared.errors import problem_responses
from shared.pagination import IdPath

router = APIRouter(prefix="/v1/clients", tags=["account teams"])

AcceptLanguage = Annotated[str, Header(max_length=200)]


def _read(member: AccountTeamMember, language: str) -> TeamMemberRead:
    role = TeamRole(member.role)
    return TeamMemberRead(
        account_id=member.account_id,
        employee_id=member.employee_id,
        role=role,
        role_label=role_label(role, language),
        access=TeamAccess(member.access),
        added_by_employee_id=member.added_by_employee_id,
        version=member.version,
        created_at=member.created_at,
        updated_at=member.updated_at,
    )


@router.get(
    "/accounts/{account_id}/team",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=list[TeamMemberRead],
    summary="The account's team (besides its owner)",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_team(
    account_id: IdPath,
    service: TeamServiceDep,
    scope: AccountScope,
    accept_language: AcceptLanguage = "zh-CN",
) -> list[TeamMemberRead]:
    members = await service.members(account_id, scope)
    return [_read(member, accept_language) for member in members]


@router.post(
    "/accounts/{account_id}/team",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=TeamMemberRead,
    status_code=201,
    summary="Put an employee on the account's team (the owner's line; audited)",
    responses=problem_responses(401, 403, 404, 409, 422),
    openapi_extra=answer_headers(201, etag=True, location=True),
)
async def add_team_member(
    account_id: IdPath,
    data: TeamMemberCreate,
    service: TeamServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    accept_language: AcceptLanguage = "zh-CN",
) -> TeamMemberRead:
    member = await service.add(account_id, data, scope, actor)
    response.headers["ETag"] = etag_for(member.version)
    response.headers["Location"] = (
        f"{router.prefix}/accounts/{account_id}/team/{member.employee_id}"
    )
    return _read(member, accept_language)


@router.patch(
    "/accounts/{account_id}/team/{employee_id}",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=TeamMemberRead,
    summary="Change a member's role or access level (needs If-Match; audited)",
    responses=problem_responses(401, 403, 404, 412, 422, 428),
    openapi_extra=answer_headers(200, etag=True),
)
async def change_team_member(
    account_id: IdPath,
    employee_id: IdPath,
    data: TeamMemberUpdate,
    service: TeamServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
    accept_language: AcceptLanguage = "zh-CN",
) -> TeamMemberRead:
    member = await service.change(account_id, employee_id, data, if_match, scope, actor)
    response.headers["ETag"] = etag_for(member.version)
    return _read(member, accept_language)


@router.delete(
    "/accounts/{account_id}/team/{employee_id}",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    status_code=204,
    summary="Take a member off the account's team (needs If-Match; audited)",
    responses=problem_responses(401, 403, 404, 412, 428),
)
async def remove_team_member(
    account_id: IdPath,
    employee_id: IdPath,
    service: TeamServiceDep,
    scope: AccountScope,
    actor: ActorId,
    if_match: IfMatch = None,
) -> Response:
    await service.remove(account_id, employee_id, if_match, scope, actor)
    return Response(status_code=204)
