"""Company sign-on: OpenID Connect (authorization code + PKCE, authlib's client), 企业微信
(WeCom) and 钉钉 (DingTalk) OAuth. Each maps the provider's person to a current employee
and that employee's login. Never commits: the caller does.

A sign-on leaves with a random ``state`` kept in ``sign_on_states`` (with the PKCE verifier
and the nonce for OpenID Connect) and is accepted back once, before the state expires.
"""

from __future__ import annotations

import secrets
import warnings
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlencode

import httpx
from authlib.common.security import generate_token
from authlib.deprecate import AuthlibDeprecationWarning
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from services.staff.audit.recorder import audit_entry
from services.staff.identity.factor_models import SignOnState
from services.staff.identity.factor_repository import EmployeeKey, FactorRepository
from services.staff.identity.models import User
from services.staff.settings import StaffSettings
from shared.errors import BadGateway, NotFound

# authlib 1.9 prefers the httpx2 fork and warns once, on import, when it falls back to
# httpx (what the whole product uses; that fallback is still supported). Silence just that
# warning, here: authlib.deprecate's own "always" filter stays in force for its others.
with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore", "The httpx module is deprecated", category=AuthlibDeprecationWarning
    )
    from authlib.integrations.httpx_client import AsyncOAuth2Client

Provider = Literal["oidc", "wecom", "dingtalk"]
COMPANY_SIGN_ON_ONLY = "!company-sign-on-only"
"""The password hash of a login created just in time: not an argon2 hash, so no password
matches it (verify_password answers False for an invalid hash)."""


def _now() -> datetime:
    return datetime.now(UTC)


class SignOnRefused(Exception):
    """The provider's answer does not name a person we let in (the reason is audited)."""


class CompanySignOn:
    """Starts and finishes sign-ons with the company's identity providers."""

    def __init__(
        self, repository: FactorRepository, settings: StaffSettings, actor: str | None = None
    ) -> None:
        self.repository = repository
        self.settings = settings
        self.actor = actor

    def _configured(self, provider: Provider) -> None:
        s = self.settings
        ready = {
            "oidc": bool(s.oidc_issuer and s.oidc_client_id),
            "wecom": bool(s.wecom_corp_id and s.wecom_secret),
            "dingtalk": bool(s.dingtalk_client_id and s.dingtalk_client_secret),
        }[provider]
        if not ready:
            raise NotFound(f"company sign-on with {provider} is not configured")

    def callback_url(self, provider: Provider) -> str:
        return f"{self.settings.sign_on_redirect_base.rstrip('/')}/v1/auth/{provider}/callback"

    def _http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=self.settings.sign_on_timeout_seconds, follow_redirects=False
        )

    def _oidc_client(self) -> AsyncOAuth2Client:
        s = self.settings
        return AsyncOAuth2Client(
            client_id=s.oidc_client_id,
            client_secret=s.oidc_client_secret,
            scope=s.oidc_scopes,
            redirect_uri=self.callback_url("oidc"),
            code_challenge_method="S256",
            timeout=s.sign_on_timeout_seconds,
        )

    async def _json(self, response: httpx.Response, what: str) -> dict[str, Any]:
        if response.status_code != 200:
            raise BadGateway(f"{what} answered {response.status_code}")
        body = response.json()
        if not isinstance(body, dict):
            raise BadGateway(f"{what} answered something that is not an object")
        return body

    async def _oidc_metadata(self, http: httpx.AsyncClient) -> dict[str, Any]:
        issuer = (self.settings.oidc_issuer or "").rstrip("/")
        try:
            response = await http.get(f"{issuer}/.well-known/openid-configuration")
        except httpx.HTTPError as exc:
            raise BadGateway(f"the OpenID provider cannot be reached: {exc}") from exc
        return await self._json(response, "the OpenID provider's discovery")

    async def start(self, provider: Provider) -> str:
        """Where to send the browser: the provider's sign-in page, with a new state."""
        self._configured(provider)
        s = self.settings
        state = secrets.token_urlsafe(24)
        verifier = nonce = None
        if provider == "oidc":
            verifier, nonce = generate_token(64), generate_token(24)
            async with self._http() as http:
                metadata = await self._oidc_metadata(http)
            async with self._oidc_client() as client:
                url, _ = client.create_authorization_url(
                    metadata["authorization_endpoint"],
                    state=state,
                    code_verifier=verifier,
                    nonce=nonce,
                )
        elif provider == "wecom":
            query = {
                "appid": s.wecom_corp_id,
                "redirect_uri": self.callback_url("wecom"),
                "response_type": "code",
                "scope": "snsapi_base",
                "state": state,
                "agentid": s.wecom_agent_id or "",
            }
            url = f"{s.wecom_authorize_url}?{urlencode(query)}#wechat_redirect"
        else:
            query = {
                "redirect_uri": self.callback_url("dingtalk"),
                "response_type": "code",
                "client_id": s.dingtalk_client_id,
                "scope": "openid",
                "state": state,
                "prompt": "consent",
            }
            url = f"{s.dingtalk_authorize_url}?{urlencode(query)}"
        await self.repository.forget_expired(_now())
        await self.repository.add(
            SignOnState(
                state=state,
                provider=provider,
                code_verifier=verifier,
                nonce=nonce,
                expires_at=_now() + timedelta(seconds=s.sign_on_state_seconds),
            )
        )
        return str(url)

    async def finish(self, provider: Provider, code: str, state: str, address: str) -> User | None:
        """The login of the person the provider signed in, or None (audited) when the state
        is unknown or used, or the person maps to no current employee with an active login."""
        self._configured(provider)
        sent = await self.repository.take_state(state, provider, _now())
        try:
            if sent is None:
                raise SignOnRefused("unknown, used or expired state")
            if provider == "oidc":
                key, subject = await self._oidc_subject(code, sent)
            elif provider == "wecom":
                key, subject = "wecom_user_id", await self._wecom_user_id(code)
            else:
                key, subject = "dingtalk_user_id", await self._dingtalk_user_id(code)
            user = await self._login_of(provider, key, subject)
        except SignOnRefused as refused:
            self.repository.session.add(
                audit_entry("company_sign_on_failed", entity="sign_on", entity_id=provider,
                            actor=None, address=address, reason=str(refused))
            )  # fmt: skip
            return None
        self.repository.session.add(
            audit_entry("company_sign_on", entity="user", entity_id=user.id, actor=None,
                        provider=provider, subject=subject[:64], address=address)
        )  # fmt: skip
        return user

    async def _login_of(self, provider: Provider, key: EmployeeKey, subject: str) -> User:
        employee = await self.repository.current_employee_by(key, subject)
        if employee is None or employee.id is None:
            raise SignOnRefused(f"no current employee has {key} {subject[:64]}")
        user = await self.repository.active_user_of_employee(employee.id)
        if user is not None:
            return user
        if provider != "oidc" or not self.settings.oidc_create_logins:
            raise SignOnRefused(f"employee {employee.id} has no active login")
        if await self.repository.any_user_of_employee(employee.id) is not None:
            raise SignOnRefused(f"employee {employee.id} has only inactive logins")
        return await self._create_login(employee.id, employee.employee_no)

    async def _create_login(self, employee_id: int, employee_no: str) -> User:
        """Just in time: a login named after the employee number, with no usable password
        (a marker no argon2 verification accepts, so nothing is hashed on the event loop)
        and the default role."""
        login = f"e{employee_no.lower()}"
        if await self.repository.login_taken(login):
            login = f"{login}.{secrets.token_hex(3)}"
        role = self.settings.oidc_default_role
        user = await self.repository.add(
            User(
                login=login[:64],
                password_hash=COMPANY_SIGN_ON_ONLY,
                roles=[role.value] if role is not None else [],
                employee_id=employee_id,
                password_changed_at=_now(),
            )
        )
        self.repository.session.add(
            audit_entry("user_created", entity="user", entity_id=user.id, actor=None,
                        roles=user.roles, by="oidc_just_in_time")
        )  # fmt: skip
        return user

    async def _oidc_subject(self, code: str, sent: SignOnState) -> tuple[EmployeeKey, str]:
        s = self.settings
        async with self._http() as http:
            metadata = await self._oidc_metadata(http)
            async with self._oidc_client() as client:
                try:
                    token = await client.fetch_token(
                        metadata["token_endpoint"],
                        grant_type="authorization_code",
                        code=code,
                        code_verifier=sent.code_verifier,
                    )
                except Exception as exc:  # authlib raises its OAuthError or httpx's
                    raise SignOnRefused(f"the code was refused: {exc}") from exc
            id_token = token.get("id_token")
            if not isinstance(id_token, str):
                raise SignOnRefused("the provider sent no ID token")
            keys = await self._json(await http.get(metadata["jwks_uri"]), "the provider's keys")
            key_set = KeySet.import_key_set(keys)  # type: ignore[arg-type]
            claims = self._verified_claims(id_token, key_set, sent, str(metadata["issuer"]))
            value = claims.get(s.oidc_claim)
            if value is None and metadata.get("userinfo_endpoint"):
                info = await http.get(
                    metadata["userinfo_endpoint"],
                    headers={"Authorization": f"Bearer {token['access_token']}"},
                )
                value = (await self._json(info, "the provider's userinfo")).get(s.oidc_claim)
        if not isinstance(value, str) or not value:
            raise SignOnRefused(f"the provider did not send the claim {s.oidc_claim}")
        return s.oidc_employee_field, value

    def _verified_claims(
        self, id_token: str, keys: KeySet, sent: SignOnState, issuer: str
    ) -> dict[str, Any]:
        s = self.settings
        if issuer.rstrip("/") != (s.oidc_issuer or "").rstrip("/"):
            raise SignOnRefused(f"the provider calls itself {issuer[:100]}")
        try:
            decoded = jwt.decode(id_token, keys)
            jwt.JWTClaimsRegistry(
                leeway=60,
                iss={"essential": True, "value": issuer},
                aud={"essential": True, "value": s.oidc_client_id or ""},
                exp={"essential": True},
                nonce={"essential": True, "value": sent.nonce or ""},
            ).validate(decoded.claims)
        except (JoseError, ValueError) as exc:
            raise SignOnRefused(f"the ID token is not valid: {exc}") from exc
        return dict(decoded.claims)

    async def _wecom_user_id(self, code: str) -> str:
        s, base = self.settings, self.settings.wecom_api_base.rstrip("/")
        async with self._http() as http:
            try:
                token = await self._json(
                    await http.get(
                        f"{base}/cgi-bin/gettoken",
                        params={"corpid": s.wecom_corp_id, "corpsecret": s.wecom_secret},
                    ),
                    "WeCom gettoken",
                )
                if token.get("errcode", 0) != 0:
                    raise BadGateway(f"WeCom gettoken: {token.get('errmsg')}")
                info = await self._json(
                    await http.get(
                        f"{base}/cgi-bin/auth/getuserinfo",
                        params={"access_token": token["access_token"], "code": code},
                    ),
                    "WeCom getuserinfo",
                )
            except httpx.HTTPError as exc:
                raise BadGateway(f"WeCom cannot be reached: {exc}") from exc
        user_id = info.get("userid")
        if info.get("errcode", 0) != 0 or not isinstance(user_id, str) or not user_id:
            # A code of someone outside the company gives an openid and no userid.
            raise SignOnRefused(f"WeCom named no member: {info.get('errmsg', 'no userid')}")
        return user_id

    async def _dingtalk_user_id(self, code: str) -> str:
        s = self.settings
        base, legacy = s.dingtalk_api_base.rstrip("/"), s.dingtalk_legacy_api_base.rstrip("/")
        async with self._http() as http:
            try:
                user_token = await http.post(
                    f"{base}/v1.0/oauth2/userAccessToken",
                    json={
                        "clientId": s.dingtalk_client_id,
                        "clientSecret": s.dingtalk_client_secret,
                        "code": code,
                        "grantType": "authorization_code",
                    },
                )
                if user_token.status_code == 400:
                    raise SignOnRefused("DingTalk refused the code")
                access = (await self._json(user_token, "DingTalk userAccessToken"))["accessToken"]
                me = await self._json(
                    await http.get(
                        f"{base}/v1.0/contact/users/me",
                        headers={"x-acs-dingtalk-access-token": access},
                    ),
                    "DingTalk users/me",
                )
                union_id = me.get("unionId")
                if not isinstance(union_id, str) or not union_id:
                    raise SignOnRefused("DingTalk sent no unionId")
                # users/me names the person across organisations; the organisation's own
                # user id (the one on employees) comes from the app's view of the union id.
                app = await self._json(
                    await http.post(
                        f"{base}/v1.0/oauth2/accessToken",
                        json={
                            "appKey": s.dingtalk_client_id,
                            "appSecret": s.dingtalk_client_secret,
                        },
                    ),
                    "DingTalk accessToken",
                )
                found = await self._json(
                    await http.post(
                        f"{legacy}/topapi/user/getbyunionid",
                        params={"access_token": app["accessToken"]},
                        json={"unionid": union_id},
                    ),
                    "DingTalk getbyunionid",
                )
            except httpx.HTTPError as exc:
                raise BadGateway(f"DingTalk cannot be reached: {exc}") from exc
        user_id = (found.get("result") or {}).get("userid")
        if found.get("errcode", 0) != 0 or not isinstance(user_id, str) or not user_id:
            raise SignOnRefused(f"DingTalk named no member: {found.get('errmsg', 'no userid')}")
        return user_id
