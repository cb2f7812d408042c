"""``/v1/auth``: sign-in, refresh, sign-out, password, the caller, keys, service tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response, status

from services.staff.audit.recorder import audit_entry, record_now
from services.staff.dependencies import IdentityServiceDep
from services.staff.identity.repository import IdentityRepository
from services.staff.identity.schemas import (
    Introspection,
    IntrospectRequest,
    Jwks,
    Me,
    PasswordChange,
    RefreshRequest,
    ServiceToken,
    ServiceTokenRequest,
    SignInForm,
    TokenFloors,
    TokenPair,
)
from shared.auth.policy import ANY_EMPLOYEE, SERVICES_ONLY, Public
from shared.auth.principal import Principal, Role
from shared.db import SessionDep
from shared.errors import Unauthorized, problem_responses

router = APIRouter(prefix="/v1/auth", tags=["auth"])

SIGN_IN = Public("signing in is how a caller gets a credential")
KEYS = Public("verifiers need the public keys")
SERVICE_SECRET = Public("a service proves itself with the internal secret")
Employee = Annotated[Principal, Depends(ANY_EMPLOYEE)]


@router.post(
    "/token",
    response_model=TokenPair,
    summary="Sign in (OAuth2 password flow)",
    dependencies=[Depends(SIGN_IN)],
    responses=problem_responses(401, 422),
)
async def sign_in(
    form: Annotated[SignInForm, Form()],
    service: IdentityServiceDep,
    request: Request,
) -> TokenPair:
    try:
        return await service.sign_in(form.username, form.password)
    except Unauthorized:
        # The request's transaction rolls back; the failure is kept in one of its own.
        entry = audit_entry(
            "sign_in_failed", entity="login", entity_id=form.username[:64], actor=None
        )
        await record_now(request.app.state.session_factory, entry)
        raise


@router.post(
    "/refresh",
    response_model=TokenPair,
    summary="Exchange a refresh token for a new pair",
    dependencies=[Depends(SIGN_IN)],
    responses=problem_responses(401, 422),
)
async def refresh(data: RefreshRequest, service: IdentityServiceDep) -> TokenPair:
    return await service.refresh(data.refresh_token)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Sign out everywhere: refresh tokens revoked, access tokens invalidated",
    responses=problem_responses(401),
)
async def logout(principal: Employee, service: IdentityServiceDep) -> Response:
    await service.logout(principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change one's own password (ends every session)",
    responses=problem_responses(401, 422),
)
async def change_password(
    data: PasswordChange, principal: Employee, service: IdentityServiceDep
) -> Response:
    await service.change_password(principal, data.current_password, data.new_password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=Me, summary="Who am I", responses=problem_responses(401))
async def me(principal: Employee, service: IdentityServiceDep) -> Me:
    user = await service.current_user(principal)
    assert user.id is not None
    roles = sorted({Role(r) for r in user.roles} | {Role.EMPLOYEE})
    return Me(user_id=user.id, login=user.login, roles=roles, employee_id=user.employee_id)


@router.get(
    "/jwks",
    response_model=Jwks,
    summary="Public keys that verify access tokens",
    dependencies=[Depends(KEYS)],
)
async def jwks(request: Request) -> Jwks:
    return Jwks(keys=[key.public_jwk() for key in request.app.state.signing_keys])


@router.post(
    "/service-token",
    response_model=ServiceToken,
    summary="A service credential for one of our services",
    dependencies=[Depends(SERVICE_SECRET)],
    responses=problem_responses(401, 422),
)
async def service_token(
    data: ServiceTokenRequest, request: Request, service: IdentityServiceDep
) -> ServiceToken:
    return service.service_token(
        data.service, data.secret, request.app.state.settings.internal_secret
    )


@router.post(
    "/api-keys/introspect",
    response_model=Introspection,
    summary="Check an API key (the gateway's call) and mint a token for its scopes",
    dependencies=[Depends(SERVICES_ONLY)],
    responses=problem_responses(401, 403, 422),
)
async def introspect(data: IntrospectRequest, service: IdentityServiceDep) -> Introspection:
    return await service.introspect(data.key)


@router.get(
    "/token-floors",
    response_model=TokenFloors,
    summary="Ended sessions: the lowest token version still valid per user (services)",
    dependencies=[Depends(SERVICES_ONLY)],
    responses=problem_responses(401, 403),
)
async def token_floors(session: SessionDep) -> TokenFloors:
    floors = await IdentityRepository(session).token_floors()
    return TokenFloors(floors={str(user): version for user, version in floors.items()})
