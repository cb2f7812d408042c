"""Who may do what in the KPI service, and whose records a caller sees: one scope rule.

Every read, filter, export, roll-up and body reference of kpi goes through
:class:`KpiScope`, built once per request by :func:`caller_scope` from the org copy:

- administrators, the appraisal administrator, the department manager, executives and our
  own services see everything;
- everyone else sees their own records and those of everyone reporting to them, directly
  or not (their reporting subtree); a department counts as theirs when someone in their
  subtree *below them* belongs to it (the department level they lead and below), so an
  account manager without reports has no department, only himself.

Records outside the scope answer exactly like missing ones (404, same problem type and
message), so a caller cannot tell "not yours" from "does not exist".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends

from services.kpi.org.repository import OrgRepository
from shared.auth.policy import Policy, authenticate
from shared.auth.principal import Principal, Role
from shared.db import SessionDep
from shared.errors import Forbidden

SEE_ALL = frozenset({Role.ADMIN, Role.APPRAISAL_ADMIN, Role.DEPT_MANAGER, Role.EXECUTIVE})
APPRAISAL_OFFICE = frozenset({Role.ADMIN, Role.APPRAISAL_ADMIN})
"""Who runs appraisals for the whole department (calibration, overrides of actuals)."""

READ_LIBRARY = Policy(Role.EMPLOYEE, services=True)
MANAGE_LIBRARY = Policy(Role.ADMIN, Role.APPRAISAL_ADMIN)
READ_TARGETS = Policy(
    Role.ADMIN, Role.DEPT_MANAGER, Role.TEAM_LEAD, Role.ACCOUNT_MANAGER, Role.APPRAISAL_ADMIN,
    Role.EXECUTIVE,
)  # fmt: skip
MANAGE_TARGETS = Policy(Role.ADMIN, Role.DEPT_MANAGER, Role.APPRAISAL_ADMIN)
RUN_CYCLES = Policy(Role.ADMIN, Role.APPRAISAL_ADMIN)
CALIBRATE = Policy(*APPRAISAL_OFFICE)
APPRAISE = Policy(Role.EMPLOYEE)
READ_ROLLUPS = Policy(
    Role.ADMIN, Role.DEPT_MANAGER, Role.TEAM_LEAD, Role.APPRAISAL_ADMIN, Role.EXECUTIVE
)
ORG_EVENTS = Policy(services=True)
READ_TARGETS_INTERNAL = Policy(services=True)
"""Monthly targets for another service's reports (clients' forecast against the plan)."""
MANAGE_BONUS = Policy(*APPRAISAL_OFFICE)
READ_BONUS = Policy(Role.ADMIN, Role.APPRAISAL_ADMIN, Role.DEPT_MANAGER, Role.EXECUTIVE)
PROPOSE_REWARDS = Policy(Role.ADMIN, Role.APPRAISAL_ADMIN, Role.DEPT_MANAGER, Role.TEAM_LEAD)
READ_REWARDS = Policy(
    Role.ADMIN, Role.APPRAISAL_ADMIN, Role.DEPT_MANAGER, Role.TEAM_LEAD, Role.EXECUTIVE
)
DECIDE_REWARDS = Policy(Role.APPRAISAL_ADMIN, Role.DEPT_MANAGER)
"""Rewards and penalties (奖惩) are approved by the department manager or the appraisal
administrator, never by the one who proposed them (four eyes, in the bonus service)."""

Caller = Annotated[Principal, Depends(APPRAISE)]


@dataclass(frozen=True, slots=True)
class KpiScope:
    """Whose records a caller may see; ``employee_ids is None`` means everyone's."""

    employee_ids: frozenset[int] | None
    department_ids: frozenset[int] = frozenset()

    @classmethod
    def everything(cls) -> KpiScope:
        return cls(employee_ids=None)

    @property
    def sees_all(self) -> bool:
        return self.employee_ids is None

    def covers_employee(self, employee_id: int | None) -> bool:
        """Whether records of this employee are in the scope."""
        if self.employee_ids is None:
            return True
        return employee_id is not None and employee_id in self.employee_ids

    def covers_department(self, department_id: int | None) -> bool:
        """Whether the caller leads this department (or sees everything)."""
        if self.employee_ids is None:
            return True
        return department_id is not None and department_id in self.department_ids

    def employee_filter(self, column: Any) -> Any | None:
        """A SQL condition keeping rows of employees in scope (None: no condition needed)."""
        if self.employee_ids is None:
            return None
        return column.in_(sorted(self.employee_ids))


async def caller_scope(
    principal: Annotated[Principal, Depends(authenticate)], session: SessionDep
) -> KpiScope:
    """The caller's scope, from the org copy (the route's policy decides who may call)."""
    if principal.is_service or principal.has_any_role(SEE_ALL):
        return KpiScope.everything()
    if principal.employee_id is None:
        return KpiScope(employee_ids=frozenset())
    org = OrgRepository(session)
    subtree = frozenset(await org.reporting_subtree(principal.employee_id))
    below = subtree - {principal.employee_id}
    departments = frozenset(await org.departments_of(below)) if below else frozenset()
    return KpiScope(employee_ids=subtree, department_ids=departments)


def acting_employee_id(principal: Caller) -> int:
    """The employee behind the caller's login; decisions are recorded under this id."""
    if principal.employee_id is None:
        raise Forbidden("your login is not linked to an employee, so it cannot act here")
    return principal.employee_id


def in_appraisal_office(principal: Principal) -> bool:
    """Whether the caller acts as the appraisal administrator."""
    return principal.has_any_role(APPRAISAL_OFFICE)
