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
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy import ColumnElement, column, select, table, true

from services.clients.db import SCHEMA
from services.clients.org.repository import OrgRepository
from services.clients.policies import SEE_ALL
from shared.auth.policy import Policy, authenticate
from shared.auth.principal import Principal, Role
from shared.db import SessionDep, session_dependency
from shared.errors import Forbidden, NotFound

Caller = Annotated[Principal, Depends(authenticate)]

OwnerScope = Collection[int] | None
"""The owners whose accounts a caller may see (``account_scope``); None means all."""

_T = TypeVar("_T")
# The accounts table by name, so the predicate below needs nothing of the accounts domain.
_ACCOUNTS = table("accounts", column("id"), column("owner_id"), schema=SCHEMA)


def visible_accounts(account_id: Any, owner_ids: OwnerScope) -> ColumnElement[bool]:
    """The one SQL predicate for "accounts this caller may see", on a column holding an
    account id (``Account.id``, ``Ticket.account_id`` …). Every repository scopes its
    queries with it, so a new way to see an account (an account-team member, a ticket
    handler, a stand-in) is one more ``or_`` branch here."""
    if owner_ids is None:
        return true()
    owned = select(_ACCOUNTS.c.id).where(_ACCOUNTS.c.owner_id.in_(list(owner_ids)))
    return account_id.in_(owned)  # type: ignore[no-any-return]


def account_missing(account_id: int) -> NotFound:
    """The one answer for an account that does not exist or is outside the caller's
    scope (DESIGN "Access": out of scope answers exactly like missing)."""
    return NotFound(f"account {account_id} does not exist")


def visible(account: _T | None, account_id: int) -> _T:
    """``account`` as loaded within the caller's scope, or :func:`account_missing`."""
    if account is None:
        raise account_missing(account_id)
    return account


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
