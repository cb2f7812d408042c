"""Whose accounts a caller sees in the clients service (the role policies are in
services.clients.policies).

Data scope (applied inside the queries): an account manager sees the accounts they own;
a team lead those owned by anyone in their reporting subtree (from the org copy); the
department manager, finance, executives, administrators and our services see all.
Members of an account's team see it too: read-level members in reads, work-level members
in reads and writes. A ticket's handler (and its queue) sees that ticket: tickets' own branch.
A stand-in (代理), on a company-calendar day their non-cancelled stand-in covers, also sees
and works the accounts the absent colleague owns (the org copy's ``org_stand_ins``); it is
computed from the dates, so access ends by itself the day after ``ends_on``, and the writes
made through it are audited as on behalf of the absent colleague.
Everything under an account (contacts, grades, credit, ownership, audit) follows it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy import ColumnElement, Integer, any_, bindparam, column, or_, select, table, true
from sqlalchemy.dialects.postgresql import ARRAY

from services.clients.db import SCHEMA
from services.clients.org.repository import OrgRepository, StandInRepository
from services.clients.org.roster import stand_in_roster
from services.clients.policies import SEE_ALL
from shared.audit_log import note_stood_in_for
from shared.auth.policy import Policy, authenticate
from shared.auth.principal import Principal, Role
from shared.db import SessionDep, session_dependency
from shared.errors import Forbidden, NotFound, UnprocessableContent
from shared.periods import company_day

Caller = Annotated[Principal, Depends(authenticate)]

OwnerScope = Collection[int] | None
"""The owners whose accounts a caller may see (``account_scope``); None means all."""

_T = TypeVar("_T")
# The tables by name, so the predicate below needs nothing of the accounts or teams domain.
_ACCOUNTS = table("accounts", column("id"), column("owner_id"), schema=SCHEMA)
_TEAMS = table(
    "account_team_members",
    column("account_id"),
    column("employee_id"),
    column("access"),
    schema=SCHEMA,
)
WORK = "work"  # the team access level that may change what is under the account


class Scope(frozenset[int]):
    """A restricted caller's scope: the owners whose accounts he sees (the set itself, his
    own line), plus who he is (``member``), for the accounts whose team he is on, and
    whether the request only reads (read-level team members count) or writes (only
    work-level members do). ``employee_id in scope`` still asks "is he in my line"."""

    member: int | None
    writing: bool

    def __new__(
        cls, owners: Iterable[int] = (), *, member: int | None = None, writing: bool = False
    ) -> Scope:
        scope = super().__new__(cls, owners)
        scope.member = member
        scope.writing = writing
        return scope

    def reading(self) -> Scope:
        """The same caller's scope for a read (an operation that looks before it acts)."""
        return Scope(self, member=self.member, writing=False)

    def __reduce__(self) -> Any:
        return (_scope, (tuple(self), self.member, self.writing))


def _scope(owners: Iterable[int], member: int | None, writing: bool) -> Scope:
    return Scope(owners, member=member, writing=writing)


def scope_member(owner_ids: OwnerScope) -> int | None:
    """The employee a restricted scope belongs to (for relations: team, handler, queue)."""
    return owner_ids.member if isinstance(owner_ids, Scope) else None


def visible_accounts(account_id: Any, owner_ids: OwnerScope) -> ColumnElement[bool]:
    """The one SQL predicate for "accounts this caller may see", on a column holding an
    account id (``Account.id``, ``Ticket.account_id`` …). Every repository scopes its
    queries with it, so a new way to see an account (a stand-in …) is one more ``or_``
    branch here. Branches: the caller's line owns it; he is on its team (at work level
    when the request writes)."""
    if owner_ids is None:
        return true()
    writing = isinstance(owner_ids, Scope) and owner_ids.writing
    owned = _ACCOUNTS.c.owner_id.in_(list(owner_ids))
    return _seen(account_id, owned, scope_member(owner_ids), writing=writing)


def visible_accounts_bound(account_id: Any, *, member: bool) -> ColumnElement[bool]:
    """:func:`visible_accounts` of a read with the scope as bind parameters, for a
    statement compiled once and run for every caller (``shared.row_reads.StatementShapes``):
    ``scope_owners`` (an integer array) and, when ``member``, ``scope_member``; their
    values are :func:`scope_parameters`."""
    owned = _ACCOUNTS.c.owner_id == any_(bindparam("scope_owners", type_=ARRAY(Integer)))
    caller = bindparam("scope_member", type_=Integer) if member else None
    return _seen(account_id, owned, caller, writing=False)


def scope_parameters(owner_ids: Collection[int]) -> dict[str, Any]:
    """The values of :func:`visible_accounts_bound`'s parameters for a restricted scope."""
    return {"scope_owners": list(owner_ids), "scope_member": scope_member(owner_ids)}


def _seen(account_id: Any, owned: Any, member: Any, *, writing: bool) -> ColumnElement[bool]:
    """The branches: an account owned within the scope (``owned``: a condition on the
    owner), or one whose team ``member`` (None: no such branch) is on."""
    owned_ids = select(_ACCOUNTS.c.id).where(owned)
    if member is None:
        return account_id.in_(owned_ids)  # type: ignore[no-any-return]
    teamed = select(_TEAMS.c.account_id).where(_TEAMS.c.employee_id == member)
    if writing:
        teamed = teamed.where(_TEAMS.c.access == WORK)
    return or_(account_id.in_(owned_ids), account_id.in_(teamed))


def account_missing(account_id: int) -> NotFound:
    """The one answer for an account that does not exist or is outside the caller's
    scope (DESIGN "Access": out of scope answers exactly like missing)."""
    return NotFound(f"account {account_id} does not exist")


def visible(account: _T | None, account_id: int) -> _T:
    """``account`` as loaded within the caller's scope, or :func:`account_missing`."""
    if account is None:
        raise account_missing(account_id)
    return account


READING_METHODS = frozenset({"GET", "HEAD"})


async def account_scope(
    request: Request, principal: Caller, session: SessionDep
) -> Collection[int] | None:
    """The owners whose accounts the caller may see and change; None means all. A read
    (GET) counts the caller's read-level team memberships, a write only work-level ones;
    a stand-in adds the owners he stands in for today."""
    writing = request.method not in READING_METHODS
    lead = _team_lead_id(principal)
    if lead is not None:
        owners = await OrgRepository(session).subtree(lead)
        own: Collection[int] | None = Scope(owners, member=lead, writing=writing)
    else:
        own = _scope_without_org(principal, writing=writing)
    return await _with_stand_ins(request, principal, session, own)


async def authorized_scope(request: Request, policy: Policy) -> Collection[int] | None:
    """For a route declaring ``policy`` with :meth:`Policy.inline`: the policy checked,
    then :func:`account_scope` without dependencies (the org copy, needed for a team lead's
    subtree and for stand-ins, is read in a session of its own)."""
    principal = await policy.authorize(request)
    own = _scope_without_org(principal, writing=request.method not in READING_METHODS)
    if own is None:
        return None
    if _team_lead_id(principal) is None and not await _may_stand_in(request, principal):
        return own
    async with asynccontextmanager(session_dependency)(request) as session:
        return await account_scope(request, principal, session)


async def _may_stand_in(request: Request, principal: Principal) -> bool:
    """Whether the caller is on today's stand-in roster (a session only when it reloads)."""
    me = principal.employee_id
    if me is None:
        return False

    async def load(day: date) -> frozenset[int]:
        async with asynccontextmanager(session_dependency)(request) as session:
            return await StandInRepository(session).stand_ins_on(day)

    return await stand_in_roster(request.app.state).includes(me, company_today(request), load)


def company_today(request: Request) -> date:
    """Today in the company's time zone (the days a stand-in covers are calendar days)."""
    return company_day(datetime.now(UTC), request.app.state.settings.timezone)


async def _with_stand_ins(
    request: Request, principal: Principal, session: Any, own: Collection[int] | None
) -> Collection[int] | None:
    """The stand-in branch of the scope: ``own`` plus the owners the caller stands in for
    today. The absent owners not already in ``own`` are noted on the request, so the audit
    trail records writes on their accounts as on behalf of them."""
    me = principal.employee_id
    if own is None or me is None:
        return own
    today = company_today(request)
    stand_ins = StandInRepository(session)
    if not await stand_in_roster(request.app.state).includes(me, today, stand_ins.stand_ins_on):
        return own
    absent = await stand_ins.absent_ids_on(me, today)
    stood_in_for = frozenset(absent) - frozenset(own)
    if not stood_in_for:
        return own
    note_stood_in_for(request, stood_in_for)
    writing = own.writing if isinstance(own, Scope) else request.method not in READING_METHODS
    return Scope(frozenset(own) | stood_in_for, member=scope_member(own) or me, writing=writing)


def _team_lead_id(principal: Principal) -> int | None:
    """The employee whose reporting subtree is the caller's scope, if it is one."""
    if principal.is_service or principal.has_any_role(SEE_ALL):
        return None
    return principal.employee_id if Role.TEAM_LEAD in principal.roles else None


def _scope_without_org(principal: Principal, *, writing: bool) -> Collection[int] | None:
    if principal.is_service or principal.has_any_role(SEE_ALL):
        return None
    me = principal.employee_id
    owners = {me} if me is not None and Role.ACCOUNT_MANAGER in principal.roles else set()
    return Scope(owners, member=me, writing=writing)


def acting_employee_id(principal: Caller) -> int:
    """The employee behind the caller's login (credit authority is theirs)."""
    if principal.employee_id is None:
        raise Forbidden("your login is not linked to an employee, so it cannot act here")
    return principal.employee_id


def optional_acting_employee_id(principal: Caller) -> int | None:
    """Who to name in the audit trail (None for services and unlinked logins)."""
    return principal.employee_id


# The department manager heads every owner's manager chain. Administrators are not in
# the line: they run the system, not the client relationship (data minimisation).
PERSONAL_DATA_IN_FULL = frozenset({Role.DEPT_MANAGER})


def sees_personal_data(
    principal: Principal,
    scope: Collection[int] | None,
    owner_ids: Iterable[int],
    *,
    works_on_team: bool = False,
) -> bool:
    """Whether the caller sees a contact's phone, e-mail and birth year in full.

    The one masking rule (DESIGN "Masking") for every read of a contact: in full for the
    owner of an account the contact belongs to and that owner's manager chain (the team
    lead above him, whose scope holds him; the department manager) and the owner's stand-in
    in its dates (whose scope holds the owner then). Everyone else sees them masked, the
    audit log's before/after included: administrators run the system, not the
    relationship; finance and executives reconcile money and read figures; and services
    (kpi, staff) never call a client's people. A masked contact keeps
    its birthday's month and day (what the contact schedule's greetings show), not the year.
    ``owner_ids``: the owners of the accounts the contact is linked to; ``works_on_team``:
    the caller is a work-level member of the team of one of them (he calls them too).
    """
    if principal.is_service:
        return False
    if principal.has_any_role(PERSONAL_DATA_IN_FULL) or works_on_team:
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


def may_assign(
    scope: Collection[int] | None, employee_id: int, service_people: Collection[int] = ()
) -> bool:
    """Whether a caller may name ``employee_id`` in a body (owner, handler, successor …).

    People one may assign are the caller's own line, i.e. his scope: an account manager
    himself, a team lead his reporting subtree, the department manager, administrators and
    services anyone; and, where the body names someone who serves (a handler, a team
    member), the active members of the service queues (``service_people``, from the org
    copy). Whether that person is active is checked where the reference is used.
    """
    return scope is None or employee_id in scope or employee_id in service_people


def require_assignable(
    scope: Collection[int] | None,
    employee_id: int,
    field: str,
    service_people: Collection[int] = (),
) -> None:
    """Refuse (422, naming ``field``) a person the caller may not assign."""
    if not may_assign(scope, employee_id, service_people):
        raise UnprocessableContent(
            f"you may not assign employee {employee_id} as {field}: an account manager may "
            "name himself, a team lead the people of his reporting line, and anyone the "
            "members of a service queue",
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
