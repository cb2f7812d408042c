"""Deny-by-default authorisation: every route names who may call it.

A :class:`Policy` is a FastAPI dependency that authenticates the caller (bearer token,
verified locally) and checks roles, machine scopes and whether services may call. It also
describes itself in the OpenAPI document (``x-kam-policy`` and ``security``) so the
contract shows, and a test can check, that no route is left open.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any, TypeVar

import structlog
from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute
from fastapi.security import OAuth2PasswordBearer

from shared.auth.principal import Principal, PrincipalKind, Role
from shared.auth.revocation import TokenFloors
from shared.auth.tokens import TokenVerifier
from shared.errors import Forbidden, Unauthorized
from shared.routes import api_routes

log = structlog.get_logger(__name__)

TOKEN_URL = "/v1/auth/token"  # noqa: S105 - a path, not a secret
bearer_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)
ALL_ROLES = frozenset(Role)
INLINE_POLICY = "__kam_policy__"
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def bearer_token(request: Request) -> str | None:
    """The bearer token of the Authorization header, read as ``bearer_scheme`` reads it."""
    scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


async def authenticate(
    request: Request, token: Annotated[str | None, Depends(bearer_scheme)]
) -> Principal:
    """The caller's verified principal (cached on the request)."""
    return await principal_of(request, token)


async def principal_of(request: Request, token: str | None) -> Principal:
    """The principal behind ``token``, verified (cached on the request)."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    if not token:
        raise Unauthorized(
            "authentication required: send a bearer token",
            extra={"headers": {"WWW-Authenticate": "Bearer"}},
        )
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = await verifier.verify(token)
    floors: TokenFloors | None = getattr(request.app.state, "token_floors", None)
    if floors is not None:
        floors.check(principal)
    request.state.principal = principal
    structlog.contextvars.bind_contextvars(**principal.log_fields())
    return principal


class Policy:
    """Who may call a route.

    ``roles``: people holding any of them (``Role.EMPLOYEE`` = any logged-in person);
    ``scopes``: machine clients (API keys) holding any of them;
    ``services``: our own services (service credentials).
    """

    def __init__(
        self,
        *roles: Role,
        scopes: Iterable[str] = (),
        services: bool = False,
        description: str = "",
    ) -> None:
        self.roles = frozenset(roles)
        self.scopes = frozenset(scopes)
        self.services = services
        self.description = description

    def allows(self, principal: Principal) -> bool:
        """Whether ``principal`` may call."""
        if principal.kind is PrincipalKind.SERVICE:
            return self.services
        if principal.kind is PrincipalKind.API_KEY:
            return bool(self.scopes & principal.scopes)
        return Role.EMPLOYEE in self.roles or principal.has_any_role(self.roles)

    async def __call__(
        self, request: Request, principal: Annotated[Principal, Depends(authenticate)]
    ) -> Principal:
        await self._admit(request, principal)
        return principal

    def inline(self, endpoint: Endpoint) -> Endpoint:
        """Declare this policy on a route whose endpoint calls :meth:`authorize` itself.

        For the hottest reads only: FastAPI's dependency solving (a policy, the token, a
        session) measured about a quarter of a primary-key read's CPU. The route is
        documented and checked like one with the policy in its dependencies
        (:func:`route_policies`); ``tests/authz`` proves each such route refuses.
        """
        setattr(endpoint, INLINE_POLICY, self)
        return endpoint

    async def authorize(self, request: Request) -> Principal:
        """What the dependency does, called from the endpoint (see :meth:`inline`)."""
        principal = await principal_of(request, bearer_token(request))
        await self._admit(request, principal)
        return principal

    async def _admit(self, request: Request, principal: Principal) -> None:
        if not self.allows(principal):
            on_denied = getattr(request.app.state, "on_access_denied", None)
            if on_denied is not None:
                await on_denied(request, principal)
            log.info("access_denied", path=request.url.path, method=request.method)
            raise Forbidden("your role does not allow this operation")

    def describe(self) -> dict[str, Any]:
        """The policy as it appears in the OpenAPI document."""
        return {
            "roles": sorted(r.value for r in self.roles),
            "scopes": sorted(self.scopes),
            "services": self.services,
        }


def route_policies(route: APIRoute) -> list[Policy | Public]:
    """Every policy among a route's dependencies (router-level ones included)."""
    found: list[Policy | Public] = []
    inline = getattr(route.endpoint, INLINE_POLICY, None)
    if isinstance(inline, Policy):
        found.append(inline)
    stack = list(route.dependant.dependencies)
    while stack:
        dependency = stack.pop()
        if isinstance(dependency.call, Policy | Public):
            found.append(dependency.call)
        stack.extend(dependency.dependencies)
    return found


def _problem_response(description: str) -> dict[str, Any]:
    ref = {"schema": {"$ref": "#/components/schemas/Problem"}}
    return {"description": description, "content": {"application/problem+json": ref}}


def document_policies(app: FastAPI) -> None:
    """Annotate every operation of ``app``'s OpenAPI document with its policy."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        for route in api_routes(app):
            if not route.include_in_schema:
                continue
            policies = route_policies(route)
            for method in route.methods or ():
                operation = schema.get("paths", {}).get(route.path_format, {}).get(method.lower())
                if operation is None:
                    continue
                if not policies:
                    continue  # undeclared: the policy test fails on it
                operation["x-kam-policy"] = policies[-1].describe()
                is_public = isinstance(policies[-1], Public)
                operation["security"] = (
                    [] if is_public else [{"OAuth2PasswordBearer": []}, {"ApiKey": []}]
                )
                if not is_public:
                    # A guarded operation can always refuse: say so in the contract.
                    for status, text in (("401", "Unauthorized"), ("403", "Forbidden")):
                        operation.setdefault("responses", {}).setdefault(
                            status, _problem_response(text)
                        )
        components = schema.setdefault("components", {}).setdefault("securitySchemes", {})
        components.setdefault(
            "OAuth2PasswordBearer",
            {"type": "oauth2", "flows": {"password": {"tokenUrl": TOKEN_URL, "scopes": {}}}},
        )
        components["ApiKey"] = {
            "type": "apiKey",
            "in": "header",
            "name": "X-API-Key",
            "description": "Machine clients (ERP): the gateway exchanges the key for a token.",
        }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


# Policies the product uses again and again.
ANY_EMPLOYEE = Policy(Role.EMPLOYEE)
ADMIN_ONLY = Policy(Role.ADMIN)
SERVICES_ONLY = Policy(services=True)


class Public:
    """A route anyone may call (sign-in, key publication). Declared, never implied."""

    def __init__(self, description: str) -> None:
        self.description = description

    async def __call__(self) -> None:
        return None

    def describe(self) -> dict[str, Any]:
        """The marker as it appears in the OpenAPI document."""
        return {"public": True, "why": self.description}
