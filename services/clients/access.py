"""Who may do what in the clients service, and whose accounts a caller sees.

Data scope (applied inside the queries): an account manager sees the accounts they own;
a team lead those owned by anyone in their reporting subtree (from the org copy); the
department manager, finance, executives, administrators and our services see all.
Everything under an account (contacts, grades, credit, ownership, audit) follows it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request

from services.clients.org.repository import OrgRepository
from shared.auth.policy import Policy, authenticate
from shared.auth.principal import Principal, Role
from shared.db import SessionDep, session_dependency
from shared.errors import Forbidden, UnprocessableContent

SEE_ALL = frozenset({Role.ADMIN, Role.DEPT_MANAGER, Role.FINANCE, Role.EXECUTIVE})

READ_ACCOUNTS = Policy(
    Role.ADMIN, Role.DEPT_MANAGER, Role.TEAM_LEAD, Role.ACCOUNT_MANAGER, Role.FINANCE,
    Role.EXECUTIVE, services=True,
)  # fmt: skip
WRITE_ACCOUNTS = Policy(Role.ADMIN, Role.DEPT_MANAGER, Role.TEAM_LEAD, Role.ACCOUNT_MANAGER)
MANAGE_ACCOUNTS = Policy(Role.ADMIN, Role.DEPT_MANAGER, Role.TEAM_LEAD)
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
ERP_SCOPE = "erp:write"
ERP_WEBHOOK = Policy(scopes=[ERP_SCOPE], description="The ERP's API key (scope erp:write).")

Caller = Annotated[Principal, Depends(authenticate)]


async def account_scope(principal: Caller, session: SessionDep) -> Collection[int] | None:
    """The owners whose accounts the caller may see and change; None means all."""
    lead = _team_lead_id(principal)
    if lead is not None:
        return frozenset(await OrgRepository(session).subtree(lead))
    return _scope_without_org(principal)


async def authorized_scope(request: Request, policy: Policy) -> Collection[int] | None:
    """For a route declaring ``policy`` with :meth:`Policy.inline`: the policy checked,
    then :func:`account_scope` without dependencies (only a team lead's scope needs the org
    copy, read in a session of its own)."""
    principal = await policy.authorize(request)
    if _team_lead_id(principal) is not None:
        async with asynccontextmanager(session_dependency)(request) as session:
            return await account_scope(principal, session)
    return _scope_without_org(principal)


def _team_lead_id(principal: Principal) -> int | None:
    """The employee whose reporting subtree is the caller's scope, if it is one."""
    if principal.is_service or principal.has_any_role(SEE_ALL):
        return None
    return principal.employee_id if Role.TEAM_LEAD in principal.roles else None


def _scope_without_org(principal: Principal) -> Collection[int] | None:
    if principal.is_service or principal.has_any_role(SEE_ALL):
        return None
    if principal.employee_id is not None and Role.ACCOUNT_MANAGER in principal.roles:
        return frozenset({principal.employee_id})
    return frozenset()


def acting_employee_id(principal: Caller) -> int:
    """The employee behind the caller's login (credit authority is theirs)."""
    if principal.employee_id is None:
        raise Forbidden("your login is not linked to an employee, so it cannot act here")
    return principal.employee_id


def optional_acting_employee_id(principal: Caller) -> int | None:
    """Who to name in the audit trail (None for services and unlinked logins)."""
    return principal.employee_id


PERSONAL_DATA_IN_FULL = frozenset({Role.ADMIN, Role.DEPT_MANAGER})


def sees_personal_data(
    principal: Principal, scope: Collection[int] | None, owner_ids: Iterable[int]
) -> bool:
    """Whether the caller sees a contact's phone, e-mail and birth year in full.

    The one masking rule (DESIGN "Masking") for every read of a contact: in full for the
    owner of an account the contact belongs to and that owner's manager chain (the team
    lead above him, whose scope holds him; the department manager) and administrators.
    Everyone else sees them masked: finance and executives reconcile money and read
    figures, and services (kpi, staff) never call a client's people. A masked contact keeps
    its birthday's month and day (what the contact schedule's greetings show), not the year.
    ``owner_ids``: the owners of the accounts the contact is linked to.
    """
    if principal.is_service:
        return False
    if principal.has_any_role(PERSONAL_DATA_IN_FULL):
        return True
    me = principal.employee_id
    if me is None:
        return False
    line = scope if Role.TEAM_LEAD in principal.roles else None
    return any(owner == me or (line is not None and owner in line) for owner in owner_ids)


def sees_owner(scope: Collection[int] | None, owner_id: int) -> bool:
    """Whether an account owned by ``owner_id`` is inside a caller's scope (from
    :func:`account_scope`); outside it, the account must look missing."""
    return scope is None or owner_id in scope


def may_assign(scope: Collection[int] | None, employee_id: int) -> bool:
    """Whether a caller may name ``employee_id`` in a body (owner, handler, successor …).

    People one may assign are the caller's own line, i.e. his scope: an account manager
    himself, a team lead his reporting subtree, the department manager, administrators and
    services anyone. Whether that person is active is checked where the reference is used.
    """
    return scope is None or employee_id in scope


def require_assignable(scope: Collection[int] | None, employee_id: int, field: str) -> None:
    """Refuse (422, naming ``field``) a person the caller may not assign."""
    if not may_assign(scope, employee_id):
        raise UnprocessableContent(
            f"you may not assign employee {employee_id} as {field}: an account manager may "
            "name himself, a team lead the people of his reporting line",
            extra={
                "errors": [
                    {
                        "loc": ["body", field],
                        "msg": "not an employee you may assign",
                        "type": "not_assignable",
                    }
                ]
            },
        )
