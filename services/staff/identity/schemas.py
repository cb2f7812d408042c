"""Request and response bodies of sign-in, users and API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.auth.principal import Role
from shared.auth.scopes import ApiKeyScope
from shared.numbers import NotABoolean

Login = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9._-]{2,63}$")]
Password = Annotated[str, StringConstraints(min_length=10, max_length=128)]


class SignInForm(BaseModel):
    """The OAuth2 password-flow form (RFC 6749 §4.3), every field bounded."""

    grant_type: Literal["password"] = "password"  # a form cannot send null
    username: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    scope: Annotated[str, StringConstraints(max_length=200)] = ""
    client_id: Annotated[str | None, StringConstraints(max_length=100)] = None
    client_secret: Annotated[str | None, StringConstraints(max_length=200)] = None


class TokenPair(BaseModel):
    """What a sign-in or refresh returns."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type
    expires_in: int = Field(examples=[600], description="Seconds the access token lives.")
    refresh_token: str


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: Annotated[str, StringConstraints(min_length=10, max_length=200)]


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: Annotated[str, StringConstraints(max_length=128)]
    new_password: Password


class ServiceTokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: Literal["clients", "staff", "kpi", "gateway"]
    secret: Annotated[str, StringConstraints(max_length=256)]


class ServiceToken(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type
    expires_in: int


class Me(BaseModel):
    """The signed-in person."""

    user_id: int
    login: str
    roles: list[Role]
    employee_id: int | None


class TokenFloors(BaseModel):
    """Per user id (as text), the lowest token version still accepted; and the sessions
    ended on their own."""

    floors: dict[str, int] = Field(examples=[{"12": 3, "40": 2147483647}])
    ended_sessions: list[str] = Field(
        default_factory=list,
        description="Sign-in sessions ended within an access token's lifetime: a token "
        "whose `sid` is one of them is refused.",
    )


class Jwks(BaseModel):
    """The public keys that verify access tokens."""

    keys: list[dict[str, Any]]


class UserCreate(BaseModel):
    """A new login for an employee (administrators only)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "login": "wang.lei",
                    "password": "请改成一个长密码-2026",
                    "roles": ["account_manager"],
                    "employee_id": 12,
                }
            ]
        },
    )

    login: Login
    password: Password
    roles: list[Role] = Field(default_factory=list, max_length=8)
    employee_id: Annotated[int, Field(ge=1, le=2_147_483_647), NotABoolean] | None = None


class UserUpdate(BaseModel):
    """Change roles or (de)activate; deactivation ends every session of the user."""

    model_config = ConfigDict(extra="forbid")

    roles: list[Role] | None = Field(default=None, max_length=8)
    active: bool | None = Field(default=None, strict=True)  # not 0/1 or "yes"
    employee_id: Annotated[int, Field(ge=1, le=2_147_483_647), NotABoolean] | None = None


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    login: str
    active: bool
    roles: list[Role]
    employee_id: int | None
    version: int
    created_at: datetime


class ApiKeyCreate(BaseModel):
    """A new machine client key (administrators only)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "金蝶ERP回款推送", "scopes": ["erp:write"]}]},
    )

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    scopes: list[ApiKeyScope] = Field(
        min_length=1, max_length=10, description="From GET /v1/staff/api-key-scopes."
    )


class ApiKeyScopeRead(BaseModel):
    """A scope an API key may hold, and what it lets the machine do."""

    scope: ApiKeyScope
    description: str


class ApiKeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_by: str | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime


class ApiKeyCreated(ApiKeyRead):
    """The key itself appears here once and is never shown again."""

    key: str


class IntrospectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: Annotated[str, StringConstraints(max_length=200)]


class Introspection(BaseModel):
    """For the gateway: whether a key is valid, and a short-lived token for its scopes."""

    active: bool
    key_id: int | None = None
    scopes: list[str] = Field(default_factory=list)
    access_token: str | None = None
    expires_in: int | None = None


SessionId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]


class SessionRead(BaseModel):
    """A sign-in session: where and with what it signed in, when it was last used."""

    model_config = ConfigDict(from_attributes=True)

    id: str = Field(examples=["9f1c2e4b7a6d4c3b8e5f0a1b2c3d4e5f"])
    user_agent: str | None
    client_address: str | None
    created_at: datetime
    last_used_at: datetime = Field(description="The sign-in or the latest token refresh.")
    current: bool = Field(
        default=False, description="Whether the access token of this request belongs to it."
    )


class SessionsEnded(BaseModel):
    """How many sessions were open and are ended now."""

    ended: int


class PasswordResetIssue(BaseModel):
    """An administrator's one-time reset: the link shown once, or mailed to the person."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"send_email": True}]}
    )

    send_email: bool = Field(
        default=False,
        strict=True,
        description="Mail the link to the person's work e-mail instead of showing it.",
    )


class PasswordResetIssued(BaseModel):
    """The reset link appears here once (never when mailed) and is never shown again."""

    user_id: int
    reset_url: str | None
    expires_at: datetime
    emailed: bool


class ForgotPassword(BaseModel):
    """A person who forgot their password: their login or work e-mail."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"login": "wang.lei"}]}
    )

    login: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=254),
        Field(description="A login or a work e-mail address."),
    ]


class ForgotPasswordAccepted(BaseModel):
    """The same answer whether or not the login exists."""

    detail: str = Field(
        examples=["if the login exists and has a work e-mail, a reset link is on its way"]
    )


class PasswordResetComplete(BaseModel):
    """Set a new password with the token of a reset link."""

    model_config = ConfigDict(extra="forbid")

    token: Annotated[str, StringConstraints(min_length=20, max_length=200)]
    new_password: Password
