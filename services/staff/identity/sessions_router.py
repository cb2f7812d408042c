"""``/v1/me/sessions``: a person's own sign-in sessions, listed and ended."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from services.staff.dependencies import IdentityServiceDep, SessionServiceDep
from services.staff.identity.schemas import SessionId, SessionRead, SessionsEnded
from shared.auth.policy import ANY_EMPLOYEE
from shared.auth.principal import Principal
from shared.errors import problem_responses

me = APIRouter(prefix="/v1/me/sessions", tags=["sessions"])
Employee = Annotated[Principal, Depends(ANY_EMPLOYEE)]


def session_list(sessions: list[SessionRead], current: str | None) -> list[SessionRead]:
    return [s.model_copy(update={"current": s.id == current}) for s in sessions]


@me.get(
    "",
    response_model=list[SessionRead],
    summary="My open sessions (device, address, when signed in and last used)",
    responses=problem_responses(401),
)
async def my_sessions(
    principal: Employee, identity: IdentityServiceDep, sessions: SessionServiceDep
) -> list[SessionRead]:
    user = await identity.current_user(principal)
    assert user.id is not None
    found = [SessionRead.model_validate(s) for s in await sessions.open_sessions(user.id)]
    return session_list(found, principal.session_id)


@me.delete(
    "/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End one of my sessions (its refresh token stops working at once)",
    responses=problem_responses(401, 404, 422),
)
async def end_my_session(
    session_id: SessionId,
    principal: Employee,
    identity: IdentityServiceDep,
    sessions: SessionServiceDep,
) -> Response:
    user = await identity.current_user(principal)
    assert user.id is not None
    await sessions.end_session(user.id, session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@me.delete(
    "",
    response_model=SessionsEnded,
    summary="End all my sessions, this one included",
    responses=problem_responses(401),
)
async def end_my_sessions(
    principal: Employee, identity: IdentityServiceDep, sessions: SessionServiceDep
) -> SessionsEnded:
    user = await identity.current_user(principal)
    assert user.id is not None
    return SessionsEnded(ended=await sessions.end_all(user.id))
