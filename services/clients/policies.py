"""Who may do what in the clients service: the role policies routes declare.

Whose accounts a caller sees (the data scope) is services.clients.access.
"""

from __future__ import annotations

from shared.auth.policy import Policy
from shared.auth.principal import Role
from shared.auth.scopes import ApiKeyScope

SEE_ALL = frozenset({Role.ADMIN, Role.DEPT_MANAGER, Role.FINANCE, Role.EXECUTIVE})

READ_ACCOUNTS = Policy(
    Role.ADMIN, Role.DEPT_MANAGER, Role.TEAM_LEAD, Role.ACCOUNT_MANAGER, Role.FINANCE,
    Role.EXECUTIVE, services=True,
)  # fmt: skip
WRITE_ACCOUNTS = Policy(Role.ADMIN, Role.DEPT_MANAGER, Role.TEAM_LEAD, Role.ACCOUNT_MANAGER)
MANAGE_ACCOUNTS = Policy(Role.ADMIN, Role.DEPT_MANAGER, Role.TEAM_LEAD)
# 重复客户: administrators and the department's heads read the duplicate report and merge
# accounts; a team lead too, within his line (the data scope bounds both accounts).
MERGE_ACCOUNTS = Policy(Role.ADMIN, Role.DEPT_MANAGER, Role.TEAM_LEAD)
HANDOVER = Policy(Role.ADMIN, services=True)
AUDIT = Policy(Role.ADMIN)
READ_METRICS = Policy(
    Role.ADMIN, Role.DEPT_MANAGER, Role.APPRAISAL_ADMIN, Role.EXECUTIVE, services=True
)
INTERNAL = Policy(services=True)
# 应收: finance registers payments by hand; the ERP pushes events with an API key scoped to it.
WRITE_RECEIVABLES = Policy(Role.ADMIN, Role.FINANCE)
# 催款/信用额度: finance and admins run dunning on demand; owners work their collection
# tasks; credit limits are set by finance, admins and the department manager.
RUN_DUNNING = Policy(Role.ADMIN, Role.FINANCE, services=True)
WORK_COLLECTION = Policy(
    Role.ADMIN, Role.DEPT_MANAGER, Role.TEAM_LEAD, Role.ACCOUNT_MANAGER, Role.FINANCE
)
SET_CREDIT_LIMITS = Policy(Role.ADMIN, Role.FINANCE, Role.DEPT_MANAGER)
# Rates are posted by finance (or the ERP through our services) and the department's heads.
WRITE_RATES = Policy(Role.ADMIN, Role.DEPT_MANAGER, Role.FINANCE, services=True)
MANAGE_CALENDAR = Policy(Role.ADMIN, Role.DEPT_MANAGER)
MANAGE_SLA = Policy(Role.ADMIN, Role.DEPT_MANAGER)
RUN_SLA_CHECK = Policy(Role.ADMIN, services=True)
RUN_WORK_ITEMS = Policy(Role.ADMIN, services=True)
ERP_SCOPE = ApiKeyScope.ERP_WRITE
ERP_WEBHOOK = Policy(scopes=[ERP_SCOPE], description="The ERP's API key (scope erp:write).")
# The ERP reads what became of its events; finance and admins watch the pending ones.
READ_ERP_EVENTS = Policy(Role.ADMIN, Role.FINANCE, scopes=[ERP_SCOPE])
MANAGE_ERP_SECRETS = Policy(Role.ADMIN)
# 超权限申请: those who hold an authority ask; their superiors decide (whose requests one
# sees is the approvals domain's rule: requester, approver, their managers, administrators).
APPROVALS = Policy(Role.ADMIN, Role.DEPT_MANAGER, Role.TEAM_LEAD, Role.ACCOUNT_MANAGER)
# 撞单: those who own accounts claim them; who sees a dispute is the disputes domain's rule
# (parties, arbiter, their managers, department managers and administrators).
OWNERSHIP_DISPUTES = Policy(Role.ADMIN, Role.DEPT_MANAGER, Role.TEAM_LEAD, Role.ACCOUNT_MANAGER)
# 产品目录/竞争对手/销售阶段: the department reads them; administrators and the department
# manager keep the catalogue and the competitor register, administrators the pipeline.
READ_DIRECTORY = READ_ACCOUNTS
MANAGE_CATALOGUE = Policy(Role.ADMIN, Role.DEPT_MANAGER)
MANAGE_PIPELINE = Policy(Role.ADMIN)
# A lost opportunity is reopened by a manager (team lead and above), with a reason.
REOPEN_OPPORTUNITIES = MANAGE_ACCOUNTS
# 销售预测 / 销售机会报表: the people who sell and those who oversee them; the data scope
# (access.py) bounds what each sees.
READ_PIPELINE = Policy(
    Role.ADMIN, Role.DEPT_MANAGER, Role.TEAM_LEAD, Role.ACCOUNT_MANAGER, Role.FINANCE,
    Role.EXECUTIVE,
)  # fmt: skip
