"""Who the walking suite calls as: one entry per persona.

A persona is a way of being allowed to see something: a role, or (later) a relation to a
record (team member, ticket handler, stand-in, opportunity team member). Each is one entry
of ``PERSONAS``; ``employee_id`` places a person in the walk's org fixture
(:mod:`tests.authz.world`), so scope follows from the reporting line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.auth.principal import Principal, PrincipalKind, Role
from tests.conftest import bearer

# The walk's department (clients' and kpi's org copies): 9100 heads it; 9101 leads a team
# of 9102 (account manager) and 9103 (specialist); 9200 heads another department, whose
# 9201 owns the records outside everyone's scope but the department-wide roles'.
# 9202, an after-sales specialist over there, handles a ticket of our team's account;
# 9203 and 9204, over there too, are on that account's team at read and work level;
# 9205 stands in for KAM.
HEAD, LEAD, KAM, SPECIALIST, OTHER_HEAD, OTHER_KAM = 9100, 9101, 9102, 9103, 9200, 9201
HANDLER, TEAM_READER, TEAM_WORKER = 9202, 9203, 9204
# 9205, an account manager over there, stands in (代理) for KAM today (tests.authz.world).
STAND_IN = 9205
DEPARTMENT, OTHER_DEPARTMENT = 91, 92
ERP_SCOPE = "erp:write"


@dataclass(frozen=True)
class Persona:
    """A caller of the walk. ``scoped``: sees only part of the records (an object outside
    its scope must then answer exactly like a missing one)."""

    name: str
    roles: frozenset[Role] = frozenset()
    employee_id: int | None = None
    kind: PrincipalKind = PrincipalKind.USER
    scopes: frozenset[str] = field(default_factory=frozenset)
    scoped: bool = False
    user_id: int = 1
    relation: str | None = None  # how the world relates it to an inside record

    def headers(self) -> dict[str, str]:
        if self.kind is PrincipalKind.SERVICE:
            return bearer(subject="service:staff")
        if self.kind is PrincipalKind.API_KEY:
            return bearer(subject="api_key:7", scopes=self.scopes)
        return bearer(*self.roles, employee_id=self.employee_id, subject=f"user:{self.user_id}")

    def principal(self) -> Principal:
        """What a service makes of the persona's token (for policy decisions)."""
        roles = (
            frozenset({*self.roles, Role.EMPLOYEE})
            if self.kind is PrincipalKind.USER
            else frozenset()
        )
        return Principal(
            kind=self.kind,
            subject=self.name,
            roles=roles,
            scopes=self.scopes,
            employee_id=self.employee_id,
        )


def person(name: str, role: Role | None, employee_id: int | None, *, scoped: bool) -> Persona:
    roles = frozenset({role}) if role else frozenset()
    return Persona(name, roles, employee_id, scoped=scoped, user_id=(employee_id or 1))


PERSONAS: tuple[Persona, ...] = (
    person("admin", Role.ADMIN, None, scoped=False),
    person("dept_manager", Role.DEPT_MANAGER, HEAD, scoped=False),
    person("team_lead", Role.TEAM_LEAD, LEAD, scoped=True),
    person("account_manager", Role.ACCOUNT_MANAGER, KAM, scoped=True),
    person("finance", Role.FINANCE, None, scoped=False),
    person("executive", Role.EXECUTIVE, None, scoped=False),
    person("appraisal_admin", Role.APPRAISAL_ADMIN, None, scoped=False),
    person("employee", None, SPECIALIST, scoped=True),
    Persona("service", kind=PrincipalKind.SERVICE),
    Persona("erp", kind=PrincipalKind.API_KEY, scopes=frozenset({ERP_SCOPE})),
    Persona(
        "ticket_handler",
        frozenset({Role.ACCOUNT_MANAGER}),
        HANDLER,
        scoped=True,
        user_id=HANDLER,
        relation="ticket_handler",
    ),
    Persona(
        "team_member_read",
        frozenset({Role.ACCOUNT_MANAGER}),
        TEAM_READER,
        scoped=True,
        user_id=TEAM_READER,
        relation="team_member_read",
    ),
    Persona(
        "team_member_work",
        frozenset({Role.ACCOUNT_MANAGER}),
        TEAM_WORKER,
        scoped=True,
        user_id=TEAM_WORKER,
        relation="team_member_work",
    ),
    Persona(
        "stand_in",
        frozenset({Role.ACCOUNT_MANAGER}),
        STAND_IN,
        scoped=True,
        user_id=STAND_IN,
        relation="stand_in",
    ),
    # Later, one entry (with the relation in tests.authz.world.RELATIONS): opportunity
    # team member.
)
