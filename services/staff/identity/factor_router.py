"""``/v1/auth/second-factor`` and company sign-on (``/v1/auth/{oidc,wecom,dingtalk}/…``),
a person's own authenticator (``/v1/me/second-factor``) and the administrator's reset."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import RedirectResponse

from services.staff.dependencies import (
    SignInGuardDep,
    build_second_factor_gate,
    identity_service_in,
    staff_settings,
)
from services.staff.identity.auth_router import own_transaction
from services.staff.identity.company_sign_on import CompanySignOn, Provider
from services.staff.identity.factor_repository import FactorRepository
from services.staff.identity.factor_schemas import (
    EnrolmentRequest,
    RemovalRequest,
    SecondFactorAnswer,
    SecondFactorChallenge,
    SecondFactorTokens,
    TotpEnrolment,
)
from services.staff.identity.repository import IdentityRepository
from services.staff.identity.schemas import TokenPair, UserRead
from services.staff.identity.second_factor import challenge_refused
from shared.auth.policy import ADMIN_ONLY, ANY_EMPLOYEE, Public
from shared.auth.principal import Principal
from shared.concurrency import IfMatch, etag_for
from shared.contract_shape import answer_headers
from shared.db import SessionDep
from shared.errors import NotFound, Unauthorized, problem_responses
from shared.pagination import IdPath

router = APIRouter(prefix="/v1/auth", tags=["auth"])
me = APIRouter(prefix="/v1/me/second-factor", tags=["auth"])
reset = APIRouter(prefix="/v1/staff/users", tags=["users"], dependencies=[Depends(ADMIN_ONLY)])

SECOND_FACTOR = Public("a right password's challenge is the credential of the second step")
SIGN_ON = Public("company sign-on is how a person without a password here gets a credential")
REDIRECT: dict[int | str, dict[str, Any]] = {
    status.HTTP_302_FOUND: {
        "description": "Found: the browser goes to the provider's sign-in page",
        "headers": {
            "Location": {"description": "The provider's page", "schema": {"type": "string"}}
        },
    }
}
Employee = Annotated[Principal, Depends(ANY_EMPLOYEE)]
Code = Annotated[str, Query(min_length=1, max_length=512)]
State = Annotated[str, Query(min_length=1, max_length=64)]


@router.post(
    "/second-factor/enrolment",
    response_model=TotpEnrolment,
    summary="Start enrolling an authenticator (TOTP) with an enrolment challenge",
    description=(
        "For a person whose role requires a second factor and who has none yet: the "
        "challenge from the password sign-in (`enrolment_required: true`) gets a new "
        "secret and its `otpauth://` URI. Answering the challenge with the first code at "
        "`POST /v1/auth/second-factor` confirms the authenticator and signs in."
    ),
    dependencies=[Depends(SECOND_FACTOR)],
    responses=problem_responses(401, 422),
)
async def enrol(data: EnrolmentRequest, request: Request, guard: SignInGuardDep) -> TotpEnrolment:
    address = guard.address_of(request)
    settings = staff_settings(request)
    async with own_transaction(request) as session:
        return await build_second_factor_gate(session, settings).enrol(data.challenge, address)


@me.post(
    "/enrolment",
    response_model=TotpEnrolment,
    summary="Choose a second factor: a new authenticator for the signed-in person",
    description=(
        "For anyone whose role does not require one (those who must enrol at sign-in). The "
        "answer carries a challenge: answering it with the app's first code at "
        "`POST /v1/auth/second-factor` confirms the authenticator (and returns the "
        "recovery codes and new tokens). 409 when one is enrolled already."
    ),
    responses=problem_responses(401, 403, 409),
)
async def enrol_myself(
    principal: Employee, request: Request, guard: SignInGuardDep, session: SessionDep
) -> TotpEnrolment:
    user = await identity_service_in(request, session).current_user(principal)
    gate = build_second_factor_gate(session, staff_settings(request), principal.subject)
    return await gate.enrol_signed_in(user, guard.address_of(request))


@me.post(
    "/removal",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove one's own authenticator (with its current code)",
    description=(
        "Refused (403) when the person's role requires a second factor: an administrator's "
        "reset is for a lost phone. Audited as `second_factor_removed`."
    ),
    responses=problem_responses(401, 403, 422),
)
async def remove_mine(
    data: RemovalRequest,
    principal: Employee,
    request: Request,
    guard: SignInGuardDep,
    session: SessionDep,
) -> Response:
    user = await identity_service_in(request, session).current_user(principal)
    gate = build_second_factor_gate(session, staff_settings(request), principal.subject)
    await gate.remove_own(user, data.code, guard.address_of(request))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/second-factor",
    response_model=SecondFactorTokens,
    summary="Answer a sign-in challenge with a TOTP code or a recovery code",
    description=(
        "A wrong code answers 401 and counts against the challenge; after 5 the challenge "
        "stops working and the person signs in again. A code is accepted once. "
        "`recovery_codes` appears once, when the answer confirmed a new authenticator."
    ),
    dependencies=[Depends(SECOND_FACTOR)],
    responses=problem_responses(401, 422),
)
async def answer(
    data: SecondFactorAnswer, request: Request, guard: SignInGuardDep
) -> SecondFactorTokens:
    address = guard.address_of(request)
    settings = staff_settings(request)
    async with own_transaction(request) as session:
        answered = await build_second_factor_gate(session, settings).answer(
            data.challenge, data.code, data.recovery_code, address
        )
        if answered is not None:
            tokens = await identity_service_in(request, session).tokens_for(
                answered.user, address, request.headers.get("user-agent")
            )
    # Outside the transaction: the failure and its count are committed before the 401.
    if answered is None:
        raise challenge_refused()
    return SecondFactorTokens(**tokens.model_dump(), recovery_codes=answered.recovery_codes)


async def _start(request: Request, provider: Provider) -> RedirectResponse:
    async with own_transaction(request) as session:
        url = await CompanySignOn(FactorRepository(session), staff_settings(request)).start(
            provider
        )
    return RedirectResponse(url, status_code=status.HTTP_302_FOUND)


async def _finish(
    request: Request, guard: SignInGuardDep, provider: Provider, code: str, state: str
) -> TokenPair | SecondFactorChallenge:
    address = guard.address_of(request)
    async with own_transaction(request) as session:
        sign_on = CompanySignOn(FactorRepository(session), staff_settings(request))
        user = await sign_on.finish(provider, code, state, address)
        if user is not None:
            identity = identity_service_in(request, session)
            gate = identity.second_factor
            challenge = await gate.challenge_for(user) if gate is not None else None
            result = challenge or await identity.tokens_for(
                user, address, request.headers.get("user-agent")
            )
    if user is None:
        raise Unauthorized(f"the {provider} sign-on was not accepted; start again")
    return result


LOGIN_RESPONSES: dict[int | str, dict[str, Any]] = {**REDIRECT, **problem_responses(404, 502)}
CALLBACK_RESPONSES = problem_responses(401, 404, 422, 502)
CALLBACK_DESCRIPTION = (
    "The provider sends the browser here. The state must be one this service sent, unused "
    "and not expired; the person is mapped to a current employee and their active login. "
    "The answer is the tokens, or a second-factor challenge for a person who needs one."
)


@router.get(
    "/oidc/login",
    status_code=status.HTTP_302_FOUND,
    response_class=RedirectResponse,
    summary="Company sign-on (OpenID Connect): go to the provider",
    description="Authorization code flow with PKCE (S256), state and nonce. 404 when no "
    "provider is configured.",
    dependencies=[Depends(SIGN_ON)],
    responses=LOGIN_RESPONSES,
)
async def oidc_login(request: Request) -> RedirectResponse:
    return await _start(request, "oidc")


@router.get(
    "/oidc/callback",
    response_model=TokenPair | SecondFactorChallenge,
    summary="Company sign-on (OpenID Connect): back from the provider",
    description=CALLBACK_DESCRIPTION,
    dependencies=[Depends(SIGN_ON)],
    responses=CALLBACK_RESPONSES,
)
async def oidc_callback(
    request: Request,
    guard: SignInGuardDep,
    code: Code,
    state: State,
    iss: Annotated[str | None, Query(max_length=300)] = None,
    session_state: Annotated[str | None, Query(max_length=300)] = None,
) -> TokenPair | SecondFactorChallenge:
    settings = staff_settings(request)
    if iss is not None and iss.rstrip("/") != (settings.oidc_issuer or "").rstrip("/"):
        # RFC 9207: an answer naming another issuer is a mix-up attack.
        raise Unauthorized("the answer comes from another issuer (RFC 9207)")
    return await _finish(request, guard, "oidc", code, state)


@router.get(
    "/wecom/login",
    status_code=status.HTTP_302_FOUND,
    response_class=RedirectResponse,
    summary="企业微信 (WeCom) sign-in: go to WeCom",
    description="404 when WeCom is not configured.",
    dependencies=[Depends(SIGN_ON)],
    responses=LOGIN_RESPONSES,
)
async def wecom_login(request: Request) -> RedirectResponse:
    return await _start(request, "wecom")


@router.get(
    "/wecom/callback",
    response_model=TokenPair | SecondFactorChallenge,
    summary="企业微信 (WeCom) sign-in: back from WeCom",
    description=CALLBACK_DESCRIPTION + " The WeCom user id is matched to employees' "
    "`wecom_user_id`.",
    dependencies=[Depends(SIGN_ON)],
    responses=CALLBACK_RESPONSES,
)
async def wecom_callback(
    request: Request, guard: SignInGuardDep, code: Code, state: State
) -> TokenPair | SecondFactorChallenge:
    return await _finish(request, guard, "wecom", code, state)


@router.get(
    "/dingtalk/login",
    status_code=status.HTTP_302_FOUND,
    response_class=RedirectResponse,
    summary="钉钉 (DingTalk) sign-in: go to DingTalk",
    description="404 when DingTalk is not configured.",
    dependencies=[Depends(SIGN_ON)],
    responses=LOGIN_RESPONSES,
)
async def dingtalk_login(request: Request) -> RedirectResponse:
    return await _start(request, "dingtalk")


@router.get(
    "/dingtalk/callback",
    response_model=TokenPair | SecondFactorChallenge,
    summary="钉钉 (DingTalk) sign-in: back from DingTalk",
    description=CALLBACK_DESCRIPTION + " DingTalk sends `authCode` (older pages `code`); "
    "the organisation's user id is matched to employees' `dingtalk_user_id`.",
    dependencies=[Depends(SIGN_ON)],
    responses=CALLBACK_RESPONSES,
)
async def dingtalk_callback(
    request: Request,
    guard: SignInGuardDep,
    state: State,
    auth_code: Annotated[str | None, Query(alias="authCode", min_length=1, max_length=512)] = None,
    code: Annotated[str | None, Query(min_length=1, max_length=512)] = None,
) -> TokenPair | SecondFactorChallenge:
    if not (auth_code or code):
        raise Unauthorized("DingTalk sent no code")
    return await _finish(request, guard, "dingtalk", auth_code or code or "", state)


@reset.post(
    "/{user_id}/second-factor-reset",
    response_model=UserRead,
    summary="Remove a person's authenticator and recovery codes (needs If-Match)",
    description="For a lost phone: the person's next sign-in enrols a new authenticator "
    "when their role requires one. Audited as `second_factor_reset`.",
    responses=problem_responses(401, 403, 404, 412, 422, 428),
    openapi_extra=answer_headers(200, etag=True),
)
async def reset_second_factor(
    user_id: IdPath,
    request: Request,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> UserRead:
    user = await IdentityRepository(session).user_for_update(user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    actor = getattr(getattr(request.state, "principal", None), "subject", None)
    gate = build_second_factor_gate(session, staff_settings(request), actor)
    read = UserRead.model_validate(await gate.reset(user, if_match))
    response.headers["ETag"] = etag_for(read.version)
    return read
