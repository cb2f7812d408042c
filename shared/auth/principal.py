"""Who is calling: a person (user), a machine client (API key) or one of our services."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    """Roles of people. Everyone with a login has ``employee``; the others add to it."""

    ADMIN = "admin"
    DEPT_MANAGER = "dept_manager"
    TEAM_LEAD = "team_lead"
    ACCOUNT_MANAGER = "account_manager"
    APPRAISAL_ADMIN = "appraisal_admin"
    FINANCE = "finance"
    EXECUTIVE = "executive"
    EMPLOYEE = "employee"


class PrincipalKind(StrEnum):
    USER = "user"
    SERVICE = "service"
    API_KEY = "api_key"


@dataclass(frozen=True, slots=True)
class Principal:
    """The verified identity of a request."""

    kind: PrincipalKind
    subject: str
    roles: frozenset[Role] = field(default_factory=frozenset)
    scopes: frozenset[str] = field(default_factory=frozenset)
    user_id: int | None = None
    employee_id: int | None = None
    service: str | None = None
    token_version: int = 0
    token_id: str | None = None
    session_id: str | None = None
    """The sign-in session (``sid`` claim) a user's access token was issued in."""

    @property
    def is_service(self) -> bool:
        """A call from one of our own services."""
        return self.kind is PrincipalKind.SERVICE

    def has_any_role(self, roles: frozenset[Role]) -> bool:
        """Whether the principal holds at least one of ``roles``."""
        return bool(self.roles & roles)

    def log_fields(self) -> dict[str, object]:
        """What may be bound to log lines about the caller (no token material)."""
        return {"actor": self.subject, "actor_employee_id": self.employee_id}
