"""Who may do what in the KPI service, and whose appraisals a caller sees.

An employee sees their own appraisals, a manager also those of everyone reporting to them
(from the org copy), the appraisal administrator, the department manager, executives and
administrators all of them. The scope is applied in the queries.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated

from fastapi import Depends

from services.kpi.org.repository import OrgRepository
from shared.auth.policy import Policy
from shared.auth.principal import Principal, Role
from shared.db import SessionDep
from shared.errors import Forbidden

SEE_ALL = frozenset({Role.ADMIN, Role.APPRAISAL_ADMIN, Role.DEPT_MANAGER, Role.EXECUTIVE})

READ_LIBRARY = Policy(Role.EMPLOYEE, services=True)
MANAGE_LIBRARY = Policy(Role.ADMIN, Role.APPRAISAL_ADMIN)
READ_TARGETS = Policy(
    Role.ADMIN, Role.DEPT_MANAGER, Role.TEAM_LEAD, Role.APPRAISAL_ADMIN, Role.EXECUTIVE
)
MANAGE_TARGETS = Policy(Role.ADMIN, Role.DEPT_MANAGER, Role.APPRAISAL_ADMIN)
RUN_CYCLES = Policy(Role.ADMIN, Role.APPRAISAL_ADMIN)
CALIBRATE = Policy(Role.ADMIN, Role.APPRAISAL_ADMIN)
APPRAISE = Policy(Role.EMPLOYEE)
READ_ROLLUPS = Policy(
    Role.ADMIN, Role.DEPT_MANAGER, Role.TEAM_LEAD, Role.APPRAISAL_ADMIN, Role.EXECUTIVE
)
ORG_EVENTS = Policy(services=True)

Caller = Annotated[Principal, Depends(APPRAISE)]


async def visible_employee_ids(principal: Caller, session: SessionDep) -> Collection[int] | None:
    """Whose appraisals the caller may see; None means everyone's."""
    if principal.is_service or principal.has_any_role(SEE_ALL):
        return None
    if principal.employee_id is None:
        return frozenset()
    return await OrgRepository(session).reporting_subtree(principal.employee_id)


def acting_employee_id(principal: Caller) -> int:
    """The employee behind the caller's login; decisions are recorded under this id."""
    if principal.employee_id is None:
        raise Forbidden("your login is not linked to an employee, so it cannot act here")
    return principal.employee_id
