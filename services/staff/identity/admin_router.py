"""``/v1/staff/users`` and ``/v1/staff/api-keys``: administrators manage logins and keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Response, status

from services.staff.dependencies import (
    IdentityServiceDep,
    PasswordResetServiceDep,
    ResetMailerDep,
    SessionServiceDep,
)
from services.staff.identity.resets import send_reset_mails
from services.staff.identity.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    ApiKeyScopeRead,
    PasswordResetIssue,
    PasswordResetIssued,
    SessionId,
    SessionRead,
    SessionsEnded,
    UserCreate,
    UserRead,
    UserUpdate,
)
from shared.auth.policy import ADMIN_ONLY
from shared.auth.principal import Principal
from shared.auth.scopes import SCOPE_DESCRIPTIONS
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

users = APIRouter(prefix="/v1/staff/users", tags=["users"], dependencies=[Depends(ADMIN_ONLY)])
api_keys = APIRouter(
    prefix="/v1/staff/api-keys", tags=["api-keys"], dependencies=[Depends(ADMIN_ONLY)]
)
# Beside, not under, /api-keys: a literal sibling of /api-keys/{key_id} made that path
# advertise DELETE in a 405's Allow header.
api_key_scopes = APIRouter(
    prefix="/v1/staff/api-key-scopes", tags=["api-keys"], dependencies=[Depends(ADMIN_ONLY)]
)
Admin = Annotated[Principal, Depends(ADMIN_ONLY)]
DENIED = (401, 403)


@users.post(
    "",
    response_model=UserRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create a login",
    responses=problem_responses(*DENIED, 409, 422),
    openapi_extra=answer_headers(201, location=True),
)
async def create_user(
    data: UserCreate, service: IdentityServiceDep, response: Response
) -> UserRead:
    user = UserRead.model_validate(await service.create_user(data))
    response.headers["Location"] = f"{users.prefix}/{user.id}"
    return user


@users.get(
    "",
    response_model=Page[UserRead],
    summary="List logins",
    responses=problem_responses(400, *DENIED, 422),  # 400: a cursor that does not decode
)
async def list_users(
    service: IdentityServiceDep, limit: PageSize = 50, cursor: Cursor = None
) -> Page[UserRead]:
    after = cursor_key(cursor)
    items = [
        UserRead.model_validate(u) for u in await service.list_users(after_id=after, limit=limit)
    ]
    return keyset_page(items, limit)


@users.get(
    "/{user_id}",
    response_model=UserRead,
    summary="Get a login",
    responses=problem_responses(*DENIED, 404),
    openapi_extra=answer_headers(200, etag=True),
)
async def get_user(user_id: IdPath, service: IdentityServiceDep, response: Response) -> UserRead:
    user = UserRead.model_validate(await service.get_user(user_id))
    response.headers["ETag"] = etag_for(user.version)
    return user


@users.patch(
    "/{user_id}",
    response_model=UserRead,
    summary="Change roles or (de)activate a login (needs If-Match)",
    responses=problem_responses(*DENIED, 404, 412, 422, 428),
    openapi_extra=answer_headers(200, etag=True),
)
async def update_user(
    user_id: IdPath,
    data: UserUpdate,
    service: IdentityServiceDep,
    response: Response,
    if_match: IfMatch = None,
) -> UserRead:
    user = UserRead.model_validate(await service.update_user(user_id, data, if_match))
    response.headers["ETag"] = etag_for(user.version)
    return user


@users.post(
    "/{user_id}/unlock",
    response_model=UserRead,
    summary="Lift a login's sign-in lock and forget its failures (needs If-Match)",
    description="The lock after too many failed sign-ins otherwise ends by itself "
    "(`STAFF_SIGN_IN_LOCK_SECONDS`). Audited as `login_unlocked`.",
    responses=problem_responses(*DENIED, 404, 412, 422, 428),
    openapi_extra=answer_headers(200, etag=True),
)
async def unlock_user(
    user_id: IdPath, service: IdentityServiceDep, response: Response, if_match: IfMatch = None
) -> UserRead:
    user, _ = await service.unlock(user_id, if_match)
    read = UserRead.model_validate(user)
    response.headers["ETag"] = etag_for(read.version)
    return read


@users.post(
    "/{user_id}/password-reset",
    response_model=PasswordResetIssued,
    summary="Issue a one-time password reset: the link shown once, or mailed (needs If-Match)",
    description="The link works once, for `STAFF_PASSWORD_RESET_MINUTES`; using it sets a new "
    "password and ends every session of the person. Audited as `password_reset_issued`.",
    responses=problem_responses(*DENIED, 404, 409, 412, 422, 428),
    openapi_extra=answer_headers(200, etag=True),
)
async def issue_password_reset(
    user_id: IdPath,
    data: PasswordResetIssue,
    resets: PasswordResetServiceDep,
    mailer: ResetMailerDep,
    background: BackgroundTasks,
    response: Response,
    if_match: IfMatch = None,
) -> PasswordResetIssued:
    issued, mail = await resets.issue(user_id, if_match, data.send_email)
    if mail is not None:
        background.add_task(send_reset_mails, mailer, [mail])
    assert issued.user.id is not None
    response.headers["ETag"] = etag_for(issued.user.version)
    return PasswordResetIssued(
        user_id=issued.user.id,
        reset_url=issued.reset_url,
        expires_at=issued.expires_at,
        emailed=issued.emailed,
    )


@users.get(
    "/{user_id}/sessions",
    response_model=list[SessionRead],
    summary="A login's open sessions",
    responses=problem_responses(*DENIED, 404),
)
async def user_sessions(user_id: IdPath, sessions: SessionServiceDep) -> list[SessionRead]:
    return [SessionRead.model_validate(s) for s in await sessions.open_sessions(user_id)]


@users.delete(
    "/{user_id}/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End one session of a login",
    responses=problem_responses(*DENIED, 404, 422),
)
async def end_user_session(
    user_id: IdPath, session_id: SessionId, sessions: SessionServiceDep
) -> Response:
    await sessions.end_session(user_id, session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@users.delete(
    "/{user_id}/sessions",
    response_model=SessionsEnded,
    summary="End every session of a login",
    responses=problem_responses(*DENIED, 404),
)
async def end_user_sessions(user_id: IdPath, sessions: SessionServiceDep) -> SessionsEnded:
    return SessionsEnded(ended=await sessions.end_all(user_id))


@api_keys.post(
    "",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Create an API key (the key is shown once)",
    responses=problem_responses(*DENIED, 422),
    openapi_extra=answer_headers(201, location=True),
)
async def create_api_key(
    data: ApiKeyCreate, admin: Admin, service: IdentityServiceDep, response: Response
) -> ApiKeyCreated:
    record, key = await service.create_api_key(data, admin.subject)
    response.headers["Location"] = f"{api_keys.prefix}/{record.id}"
    return ApiKeyCreated.model_validate(
        {**ApiKeyRead.model_validate(record).model_dump(), "key": key}
    )


@api_key_scopes.get(
    "",
    response_model=list[ApiKeyScopeRead],
    summary="The scopes an API key may be given, and what each lets a machine do",
    responses=problem_responses(*DENIED),
)
async def list_api_key_scopes() -> list[ApiKeyScopeRead]:
    return [
        ApiKeyScopeRead(scope=scope, description=text) for scope, text in SCOPE_DESCRIPTIONS.items()
    ]


@api_keys.get(
    "",
    response_model=Page[ApiKeyRead],
    summary="List API keys",
    responses=problem_responses(400, *DENIED, 422),  # 400: a cursor that does not decode
)
async def list_api_keys(
    service: IdentityServiceDep, limit: PageSize = 50, cursor: Cursor = None
) -> Page[ApiKeyRead]:
    after = cursor_key(cursor)
    rows = await service.list_api_keys(after_id=after, limit=limit)
    items = [ApiKeyRead.model_validate(r) for r in rows]
    return keyset_page(items, limit)


@api_keys.delete(
    "/{key_id}",
    response_model=ApiKeyRead,
    summary="Revoke an API key",
    responses=problem_responses(*DENIED, 404),
)
async def revoke_api_key(key_id: IdPath, service: IdentityServiceDep) -> ApiKeyRead:
    return ApiKeyRead.model_validate(await service.revoke_api_key(key_id))
