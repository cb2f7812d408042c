"""Who may do what in the staff service.

The organisation (departments, positions, people, the org chart) is visible to everyone
who works in it and to our services; shaping it is for administrators and the department
manager; approving a position description is for them alone (issue 4).
"""

from __future__ import annotations

from shared.auth.policy import Policy
from shared.auth.principal import Role

READ_ORG = Policy(Role.EMPLOYEE, services=True)
DRAFT_POSITIONS = Policy(Role.ADMIN, Role.DEPT_MANAGER, Role.TEAM_LEAD)
APPROVE_POSITIONS = Policy(Role.ADMIN, Role.DEPT_MANAGER)
MANAGE_PEOPLE = Policy(Role.ADMIN, Role.DEPT_MANAGER)
READ_QUALIFICATIONS = Policy(
    Role.ADMIN, Role.DEPT_MANAGER, Role.TEAM_LEAD, Role.APPRAISAL_ADMIN, Role.EXECUTIVE
)
QUALIFICATION_METRICS = Policy(Role.ADMIN, Role.APPRAISAL_ADMIN, services=True)
"""kpi collects 员工任职资格达标率 for a cycle's population in batches."""
POST_WORK_ITEMS = Policy(services=True, description="Our services post and close work items.")
OWN_INBOX = Policy(Role.EMPLOYEE, description="A person reads and works their own inbox.")
