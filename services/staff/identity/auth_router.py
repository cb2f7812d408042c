"""``/v1/auth``: sign-in, refresh, sign-out, password, the caller, keys, service tokens."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request, Response, status
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.dependencies import (
    IdentityServiceDep,
    PasswordResetServiceDep,
    ResetMailerDep,
    SignInGuardDep,
    identity_service_in,
)
from services.staff.identity.factor_schemas import SecondFactorChallenge
from services.staff.identity.repository import IdentityRepository
from services.staff.identity.resets import send_reset_mails
from services.staff.identity.schemas import (
    ForgotPassword,
    ForgotPasswordAccepted,
    Introspection,
    IntrospectRequest,
    Jwks,
    Me,
    PasswordChange,
    PasswordResetComplete,
    RefreshRequest,
    ServiceToken,
    ServiceTokenRequest,
    SignInForm,
    TokenFloors,
    TokenPair,
)
from services.staff.identity.service import bad_credentials
from services.staff.identity.sessions import ended_sessions_since
from shared.auth.policy import ANY_EMPLOYEE, SERVICES_ONLY, Public
from shared.auth.principal import Principal, Role
from shared.db import SessionDep
from shared.errors import Unauthorized, problem_responses

router = APIRouter(prefix="/v1/auth", tags=["auth"])

SIGN_IN = Public("signing in is how a caller gets a credential")
KEYS = Public("verifiers need the public keys")
SERVICE_SECRET = Public("a service proves itself with the internal secret")
Employee = Annotated[Principal, Depends(ANY_EMPLOYEE)]
SIGN_IN_THROTTLED = {
    "description": "Too Many Requests: too many failed sign-ins for this login, or too many "
    "sign-ins at once from this address (`urn:kam:problem:sign-in-throttled`)",
    "headers": {
        "Retry-After": {
            "description": "Seconds to wait before trying again",
            "schema": {"type": "integer"},
        }
    },
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}


@asynccontextmanager
async def own_transaction(request: Request) -> AsyncIterator[AsyncSession]:
    """A short transaction of the route's own, committed on leaving without an error.

    Sign-in and refresh do not use the request's session: sign-in must hold no database
    connection while a password is hashed, and a refused refresh must still commit the
    revocation of its token family.
    """
    factory: async_sessionmaker[AsyncSession] = request.app.state.session_factory
    async with factory() as session:
        yield session
        await session.commit()


@router.post(
    "/token",
    response_model=TokenPair | SecondFactorChallenge,
    summary="Sign in (OAuth2 password flow)",
    description=(
        "Failed sign-ins are counted per login and per client address. After a few "
        "failures a login must wait (progressively longer) before its next attempt, and "
        "after more it is locked for a while: either answers **429** "
        "`urn:kam:problem:sign-in-throttled` with `Retry-After`. Failures from one address "
        "slow its attempts down but never refuse a correct password. A person who must "
        "show a second factor (settings: `STAFF_SECOND_FACTOR_ROLES`, or an enrolled "
        "authenticator) gets a short-lived challenge instead of tokens: answer it at "
        "`POST /v1/auth/second-factor`."
    ),
    dependencies=[Depends(SIGN_IN)],
    responses={**problem_responses(401, 422), 429: SIGN_IN_THROTTLED},
)
async def sign_in(
    form: Annotated[SignInForm, Form()], request: Request, guard: SignInGuardDep
) -> TokenPair | SecondFactorChallenge:
    address = guard.address_of(request)
    with guard.admitted(address):
        async with own_transaction(request) as session:
            attempt = await identity_service_in(request, session).begin_sign_in(
                form.username, address, guard
            )
        # No connection is held from here until the outcome is recorded.
        if attempt.delay > 0:
            await asyncio.sleep(attempt.delay)
        matches = await guard.hashing.verify(attempt.password_hash, form.password, attempt.priority)
        # A password that matched a hash of older parameters is hashed anew, off the loop.
        rehashed = (
            await guard.hashing.rehash(attempt.password_hash, form.password) if matches else None
        )
        async with own_transaction(request) as session:
            tokens = await identity_service_in(request, session).finish_sign_in(
                attempt, matches, form.username, request.headers.get("user-agent"), rehashed
            )
    if tokens is None:
        raise bad_credentials()
    return tokens


@router.post(
    "/refresh",
    response_model=TokenPair,
    summary="Exchange a refresh token for a new pair",
    description=(
        "The token presented stops working. Presenting it again revokes every refresh "
        "token descended from the same sign-in (RFC 9700 §4.14)."
    ),
    dependencies=[Depends(SIGN_IN)],
    responses=problem_responses(401, 422),
)
async def refresh(data: RefreshRequest, request: Request) -> TokenPair:
    async with own_transaction(request) as session:
        tokens = await identity_service_in(request, session).refresh(data.refresh_token)
    if tokens is None:
        raise Unauthorized("the refresh token is not valid")
    return tokens


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


FORGOT_ANSWER = "if the login exists and has a work e-mail, a reset link is on its way"
RESET = Public("a person who forgot their password cannot sign in to ask for a new one")


@router.post(
    "/forgot-password",
    response_model=ForgotPasswordAccepted,
    summary="Forgot my password: mail a one-time reset link to my work e-mail",
    description=(
        "Answers the same whether or not the login (or e-mail) exists. The link works once, "
        "for `STAFF_PASSWORD_RESET_MINUTES`; one mail per login per "
        "`STAFF_PASSWORD_RESET_RESEND_SECONDS`."
    ),
    dependencies=[Depends(RESET)],
    responses=problem_responses(422),
)
async def forgot_password(
    data: ForgotPassword,
    resets: PasswordResetServiceDep,
    mailer: ResetMailerDep,
    background: BackgroundTasks,
) -> ForgotPasswordAccepted:
    mails = await resets.forgot(data.login)
    if mails:
        background.add_task(send_reset_mails, mailer, mails)
    return ForgotPasswordAccepted(detail=FORGOT_ANSWER)


@router.post(
    "/password-reset",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Set a new password with a reset link's token (ends every session)",
    dependencies=[Depends(RESET)],
    responses=problem_responses(400, 422),
)
async def reset_password(data: PasswordResetComplete, resets: PasswordResetServiceDep) -> Response:
    await resets.complete(data.token, data.new_password)
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
async def token_floors(session: SessionDep, request: Request) -> TokenFloors:
    since = ended_sessions_since(request.app.state.settings.access_token_minutes)
    found = await IdentityRepository(session).revocations(since)
    return TokenFloors(
        floors={str(user): version for user, version in found.floors.items()},
        ended_sessions=sorted(found.ended_sessions),
    )
