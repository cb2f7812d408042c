"""Whose accounts a caller sees in the clients service (the role policies are in
services.clients.policies).

Data scope (applied inside the queries): an account manager sees the accounts they own;
a team lead those owned by anyone in their reporting subtree (from the org copy); the
department manager, finance, executives, administrators and our services see all.
A stand-in (代理), on a company-calendar day their non-cancelled stand-in covers, also sees
and works the accounts the absent colleague owns (the org copy's ``org_stand_ins``); it is
computed from the dates, so access ends by itself the day after ``ends_on``, and the writes
made through it are audited as on behalf of the absent colleague.
Everything under an account (contacts, grades, credit, ownership, audit) follows it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from sqlalchemy import ColumnElement, column, select, table, true

from services.clients.db import SCHEMA
from services.clients.org.repository import OrgRepository, StandInRepository
from services.clients.policies import SEE_ALL
from shared.audit_log import note_stood_in_for
from shared.auth.policy import Policy, authenticate
from shared.auth.principal import Principal, Role
from shared.db import SessionDep, session_dependency
from shared.errors import Forbidden, NotFound, UnprocessableContent

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


async def account_scope(
    request: Request, principal: Caller, session: SessionDep
) -> Collection[int] | None:
    """The owners whose accounts the caller may see and change; None means all."""
    lead = _team_lead_id(principal)
    own = (
        frozenset(await OrgRepository(session).subtree(lead))
        if lead is not None
        else _scope_without_org(principal)
    )
    return await _with_stand_ins(request, principal, session, own)


async def authorized_scope(request: Request, policy: Policy) -> Collection[int] | None:
    """For a route declaring ``policy`` with :meth:`Policy.inline`: the policy checked,
    then :func:`account_scope` without dependencies (the org copy, needed for a team lead's
    subtree and for stand-ins, is read in a session of its own)."""
    principal = await policy.authorize(request)
    if _scope_without_org(principal) is None:
        return None
    async with asynccontextmanager(session_dependency)(request) as session:
        return await account_scope(request, principal, session)


def company_today(request: Request) -> date:
    """Today in the company's time zone (the days a stand-in covers are calendar days)."""
    return datetime.now(ZoneInfo(request.app.state.settings.timezone)).date()


async def _with_stand_ins(
    request: Request, principal: Principal, session: Any, own: Collection[int] | None
) -> Collection[int] | None:
    """The stand-in branch of the scope: ``own`` plus the owners the caller stands in for
    today. The absent owners not already in ``own`` are noted on the request, so the audit
    trail records writes on their accounts as on behalf of them."""
    me = principal.employee_id
    if own is None or me is None:
        return own
    absent = await StandInRepository(session).absent_ids_on(me, company_today(request))
    stood_in_for = frozenset(absent) - frozenset(own)
    if not stood_in_for:
        return own
    note_stood_in_for(request, stood_in_for)
    return frozenset(own) | stood_in_for


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
    lead above him, whose scope holds him; the department manager), the owner's stand-in
    in its dates (whose scope holds the owner then) and administrators.
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
    # A limited scope holds exactly the owners one stands for: oneself, one's reporting
    # line, the colleagues one stands in for today. Finance and executives see every
    # account for the figures, which unmasks nothing.
    line = None if principal.has_any_role(SEE_ALL) else scope
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
