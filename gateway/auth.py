"""Authentication at the gateway: bearer tokens verified locally, API keys exchanged.

Every proxied request except sign-in and key publication needs a credential. A bearer
token is verified with staff's public keys (no call per request) and forwarded as is. An
API key (``X-API-Key``) is checked by staff once, cached briefly, and replaced by the
short-lived token staff minted for its scopes. Internal paths are never reachable here.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from functools import partial

import httpx
import structlog
from starlette.requests import Request

from shared.auth.principal import Principal
from shared.auth.service_credentials import TokenSource
from shared.auth.tokens import TokenVerifier
from shared.errors import NotFound, ServiceUnavailable, Unauthorized

log = structlog.get_logger(__name__)

PUBLIC_PATHS = frozenset(
    {
        "/v1/auth/token",
        "/v1/auth/refresh",
        "/v1/auth/jwks",
        # The second step of a sign-in (its challenge is the credential) and company sign-on.
        "/v1/auth/second-factor",
        "/v1/auth/second-factor/enrolment",
        *(
            f"/v1/auth/{provider}/{step}"
            for provider in ("oidc", "wecom", "dingtalk")
            for step in ("login", "callback")
        ),
        # A person who forgot their password has no credential to send (issue 25).
        "/v1/auth/forgot-password",
        "/v1/auth/password-reset",
    }
)
HIDDEN_PATHS = frozenset({"/v1/auth/service-token", "/v1/auth/api-keys/introspect"})
INTROSPECT_PATH = "/v1/auth/api-keys/introspect"


def reachable_from_outside(path: str) -> bool:
    """Whether the gateway routes ``path``: internal endpoints are for the services only."""
    return path not in HIDDEN_PATHS and "/internal/" not in path


@dataclass(frozen=True, slots=True)
class Credential:
    """What the gateway forwards: the bearer token and the principal it names."""

    token: str | None
    principal: Principal | None


def _unauthorized(detail: str) -> Unauthorized:
    return Unauthorized(detail, extra={"headers": {"WWW-Authenticate": "Bearer"}})


class GatewayAuth:
    """Decides whether a request may pass, and with which token."""

    def __init__(
        self,
        verifier: TokenVerifier,
        client: httpx.AsyncClient,
        staff_url: str,
        service_token: TokenSource,
        key_cache_seconds: float = 30.0,
    ) -> None:
        self.verifier = verifier
        self.client = client
        self.introspect_url = staff_url.rstrip("/") + INTROSPECT_PATH
        self.service_token = service_token
        self.key_cache_seconds = key_cache_seconds
        self._keys: dict[str, tuple[float, str, Principal]] = {}
        self._checking: dict[str, asyncio.Task[Credential]] = {}

    @staticmethod
    def is_reachable(path: str) -> bool:
        """Internal endpoints are for the services only."""
        return reachable_from_outside(path)

    async def credential(self, request: Request) -> Credential:
        """The credential to forward, or an error (401, 404, 503)."""
        path: str = request.scope["path"]
        if not self.is_reachable(path):
            raise NotFound(f"no service serves {path}")
        if path in PUBLIC_PATHS:
            return Credential(token=None, principal=None)
        api_key = request.headers.get("x-api-key")
        if api_key:
            return await self._exchange_key(api_key)
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise _unauthorized("authentication required: send a bearer token or an API key")
        principal = await self.verifier.verify(token.strip())
        return Credential(token=token.strip(), principal=principal)

    async def _exchange_key(self, key: str) -> Credential:
        cached = self._keys.get(key)
        if cached is not None and cached[0] > time.monotonic():
            return Credential(token=cached[1], principal=cached[2])
        # One check per key at a time: when its cache entry lapses under a burst (the ERP
        # pushing payments), the requests of that moment wait for one answer from staff
        # instead of each asking it.
        checking = self._checking.get(key)
        if checking is None:
            checking = asyncio.ensure_future(self._check_key(key))
            self._checking[key] = checking
            checking.add_done_callback(partial(self._checked, key))
        # Shielded: a caller that goes away does not cancel the check the others wait for.
        return await asyncio.shield(checking)

    def _checked(self, key: str, check: asyncio.Task[Credential]) -> None:
        if self._checking.get(key) is check:
            del self._checking[key]
        if not check.cancelled():
            check.exception()  # read here, so a check nobody awaits any more is not reported

    async def _check_key(self, key: str) -> Credential:
        now = time.monotonic()
        try:
            response = await self.client.post(
                self.introspect_url,
                json={"key": key[:200]},
                headers={"Authorization": f"Bearer {await self.service_token()}"},
                timeout=3.0,
            )
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("api_key_check_failed", error=repr(exc))
            raise ServiceUnavailable("the API key cannot be checked right now") from exc
        if not body.get("active"):
            self._keys.pop(key, None)
            raise _unauthorized("the API key is not valid")
        token = str(body["access_token"])
        principal = await self.verifier.verify(token)
        lifetime = min(self.key_cache_seconds, float(body.get("expires_in", 0)) - 30)
        if lifetime > 0:
            if len(self._keys) > 10_000:
                self._keys.clear()
            self._keys[key] = (now + lifetime, token, principal)
        return Credential(token=token, principal=principal)
