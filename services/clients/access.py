"""Whose accounts a caller sees in the clients service (the role policies are in
services.clients.policies).

Data scope (applied inside the queries): an account manager sees the accounts they own;
a team lead those owned by anyone in their reporting subtree (from the org copy); the
department manager, finance, executives, administrators and our services see all.
Everything under an account (contacts, grades, credit, ownership, audit) follows it.
"""

from __future__ import annotations

from collections.abc import Collection
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request

from services.clients.org.repository import OrgRepository
from services.clients.policies import SEE_ALL
from shared.auth.policy import Policy, authenticate
from shared.auth.principal import Principal, Role
from shared.db import SessionDep, session_dependency
from shared.errors import Forbidden

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


def sees_personal_data_of(principal: Principal, owner_id: int) -> bool:
    """Contact phone and e-mail are shown in lists only to the account's owner."""
    return principal.employee_id is not None and principal.employee_id == owner_id
