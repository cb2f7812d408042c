"""Settings of the staff service (prefix ``STAFF_``)."""

from typing import Annotated, Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.staff.notifications.robots import GroupRobot
from shared.auth.principal import Role
from shared.settings import ServiceSettings


class StaffSettings(ServiceSettings):
    """The staff service: departments, positions, employees, identity."""

    model_config = SettingsConfigDict(env_prefix="STAFF_", extra="ignore", frozen=True)

    service_name: str = "staff"
    port: int = 8002
    clients_url: str = "http://127.0.0.1:8001"
    kpi_url: str = "http://127.0.0.1:8003"
    outbox_dispatcher_enabled: bool = True
    outbox_poll_interval_seconds: Annotated[float, Field(gt=0)] = 1.0
    outbox_batch_size: Annotated[int, Field(gt=0)] = 50
    outbox_max_attempts: Annotated[int, Field(gt=0)] = 30
    outbox_backoff_seconds: Annotated[float, Field(gt=0)] = 0.5
    outbox_max_backoff_seconds: Annotated[float, Field(gt=0)] = 300.0
    access_token_minutes: Annotated[int, Field(gt=0, le=60)] = 10
    refresh_token_days: Annotated[int, Field(gt=0, le=90)] = 14
    signing_key_pem: str | None = None
    # Sign-in protection (services/staff/identity/throttle_rules.py).
    password_hash_workers: Annotated[int, Field(gt=0, le=32)] = 2
    sign_in_free_failures: Annotated[int, Field(ge=0)] = 5
    sign_in_delay_seconds: Annotated[float, Field(gt=0)] = 1.0
    sign_in_max_delay_seconds: Annotated[float, Field(gt=0)] = 60.0
    sign_in_lock_after: Annotated[int, Field(gt=0)] = 10
    sign_in_lock_seconds: Annotated[float, Field(gt=0)] = 900.0
    sign_in_window_seconds: Annotated[float, Field(gt=0)] = 900.0
    sign_in_address_free_failures: Annotated[int, Field(ge=0)] = 20
    sign_in_address_max_delay_seconds: Annotated[float, Field(ge=0)] = 2.0
    sign_in_address_concurrency: Annotated[int, Field(gt=0)] = 8
    # Password policy and resets (services/staff/identity/password_policy.py, resets.py).
    password_min_length: Annotated[int, Field(ge=8, le=128)] = 10
    password_min_strength: Annotated[int, Field(ge=0, le=4)] = 3
    """The lowest zxcvbn score (0-4) a new password may have."""
    password_reset_minutes: Annotated[int, Field(gt=0, le=1440)] = 30
    password_reset_url: str = "http://127.0.0.1:8000/reset-password?token={token}"  # noqa: S105
    """The link mailed for a reset; ``{token}`` is replaced by the one-time token."""
    password_reset_resend_seconds: Annotated[float, Field(ge=0)] = 60.0
    """A second "forgot password" mail for the same login within this time is not sent."""
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    """Proxy hops (addresses or networks) whose X-Forwarded-For is believed: the gateway's."""
    # Notifications (services/staff/notifications).
    smtp_host: str = "127.0.0.1"
    smtp_port: Annotated[int, Field(gt=0, lt=65536)] = 8025
    smtp_sender: str = "KAM <kam-noreply@example.com>"
    smtp_timeout_seconds: Annotated[float, Field(gt=0)] = 10.0
    group_robots: list[GroupRobot] = Field(default_factory=list)
    """JSON list: ``[{"name", "department_id", "platform": "wecom"|"dingtalk", "webhook",
    "secret"}]``: the teams' group chats that get team-level items."""
    notifications_dispatcher_enabled: bool = True
    notifications_poll_interval_seconds: Annotated[float, Field(gt=0)] = 2.0
    notifications_digest_interval_seconds: Annotated[float, Field(ge=0)] = 300.0
    notifications_max_attempts: Annotated[int, Field(gt=0)] = 10
    notifications_backoff_seconds: Annotated[float, Field(gt=0)] = 5.0
    notifications_max_backoff_seconds: Annotated[float, Field(gt=0)] = 3600.0
    # Second factor and company sign-on (services/staff/identity/second_factor.py,
    # company_sign_on.py; README "Company sign-on").
    second_factor_roles: tuple[str, ...] = ("admin", "finance", "appraisal_admin")
    """JSON list of roles whose people must show a TOTP code after their password."""
    second_factor_issuer: str = "KAM"
    second_factor_challenge_seconds: Annotated[int, Field(gt=0, le=900)] = 300
    second_factor_window: Annotated[int, Field(ge=0, le=3)] = 1
    """Time steps (30 s) accepted either side of now."""
    sign_on_redirect_base: str = "http://127.0.0.1:8000"
    """Where browsers reach us (the gateway): callbacks go to
    ``<base>/v1/auth/<provider>/callback``."""
    sign_on_state_seconds: Annotated[int, Field(gt=0, le=3600)] = 600
    sign_on_timeout_seconds: Annotated[float, Field(gt=0)] = 10.0
    oidc_issuer: str | None = None
    """The provider's issuer URL (its ``/.well-known/openid-configuration`` is read)."""
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_scopes: str = "openid email profile"
    oidc_claim: str = "email"
    """The ID token (or userinfo) claim that names the person."""
    oidc_employee_field: Literal["work_email", "employee_no"] = "work_email"
    """The employee field the claim is compared with."""
    oidc_create_logins: bool = False
    """Just-in-time: give an employee found by the claim a login when they have none."""
    oidc_default_role: Role | None = None
    """The role of a login created just in time (none: the base role ``employee``)."""
    wecom_corp_id: str | None = None
    wecom_secret: str | None = None
    wecom_agent_id: str | None = None
    wecom_api_base: str = "https://qyapi.weixin.qq.com"
    wecom_authorize_url: str = "https://open.weixin.qq.com/connect/oauth2/authorize"
    dingtalk_client_id: str | None = None
    dingtalk_client_secret: str | None = None
    dingtalk_api_base: str = "https://api.dingtalk.com"
    dingtalk_legacy_api_base: str = "https://oapi.dingtalk.com"
    """Where ``/topapi/user/getbyunionid`` (union id → user id) is served."""
    dingtalk_authorize_url: str = "https://login.dingtalk.com/oauth2/auth"
