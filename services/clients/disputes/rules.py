"""Pure rules of ownership disputes (撞单): who arbitrates, when the owner's protection has
lapsed, who may decide and who may see. No I/O."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

MAX_CHAIN = 50
"""A reporting chain longer than this is bad data (a loop): the walk up stops there."""


class DisputeState(StrEnum):
    PENDING = "pending"
    # The owner's protection had lapsed: the claim was granted at once.
    GRANTED = "granted"
    CLAIMANT_WON = "claimant_won"
    OWNER_KEPT = "owner_kept"


class Winner(StrEnum):
    CLAIMANT = "claimant"
    OWNER = "owner"


class DisputeOrigin(StrEnum):
    """How the dispute was opened: an explicit claim, or creating an account whose
    unified social credit code another manager's account already holds."""

    EXPLICIT_CLAIM = "explicit_claim"
    CREDIT_CODE_MATCH = "credit_code_match"


def chain_of(employee_id: int, manager_of: Mapping[int, int | None]) -> list[int]:
    """``employee_id`` and his managers up to the top, nearest first (a loop in the data
    ends the chain where it closes)."""
    chain = [employee_id]
    seen = {employee_id}
    current = manager_of.get(employee_id)
    while current is not None and current not in seen and len(chain) < MAX_CHAIN:
        chain.append(current)
        seen.add(current)
        current = manager_of.get(current)
    return chain


def lowest_common_manager(
    first: int, second: int, manager_of: Mapping[int, int | None]
) -> int | None:
    """The lowest person above (or being) both ``first`` and ``second`` in the org chart:
    the first of ``second``'s chain (himself, his manager, …) that is also in ``first``'s.

    The same person twice is that person; when one manages the other (directly or not),
    the manager; None when the two have no common manager (different trees)."""
    above_first = set(chain_of(first, manager_of))
    for person in chain_of(second, manager_of):
        if person in above_first:
            return person
    return None


def arbiter_for(
    claimant_id: int,
    owner_id: int,
    manager_of: Mapping[int, int | None],
    active: Collection[int],
) -> int | None:
    """Who arbitrates a dispute between the claimant and the account's owner: their lowest
    common manager, or, when that is one of the two (one manages the other) or not active,
    the nearest active manager above him. None when there is none (no common manager, or
    nobody active above it): then a department manager or an administrator decides."""
    common = lowest_common_manager(claimant_id, owner_id, manager_of)
    if common is None:
        return None
    parties = {claimant_id, owner_id}
    for person in chain_of(common, manager_of):
        if person not in parties and person in active:
            return person
    return None


def protected_until(last_activity: datetime, protection_days: int) -> datetime:
    """The end of the owner's protection (保护期): ``protection_days`` after the last
    activity on the account."""
    return last_activity + timedelta(days=protection_days)


def protection_lapsed(last_activity: datetime, now: datetime, protection_days: int) -> bool:
    """Whether the owner's protection has lapsed at ``now``: from the instant
    ``protection_days`` after the last activity on, a claim is granted at once."""
    return now >= protected_until(last_activity, protection_days)


@dataclass(frozen=True)
class Viewer:
    """Who asks about disputes: the employee, his people (himself and his reporting
    subtree; None for an administrator or a department manager: everyone), and whether he
    may be the fallback arbiter (a department manager or an administrator)."""

    employee_id: int | None
    people: Collection[int] | None
    may_arbitrate_any: bool


def may_see(viewer: Viewer, claimant_id: int, owner_id: int, arbiter_id: int | None) -> bool:
    """A dispute is seen by its parties, its arbiter and their managers, department
    managers and administrators (the same rule as the repository's SQL)."""
    if viewer.people is None:
        return True
    return any(p in viewer.people for p in (claimant_id, owner_id, arbiter_id) if p is not None)


def may_decide(
    *, me: int | None, claimant_id: int, owner_id: int, arbiter_id: int | None,
    may_arbitrate_any: bool,
) -> bool:  # fmt: skip
    """The named arbiter decides; without one (no common manager), any department manager
    or administrator who is not a party. A party never decides his own dispute."""
    if me is None or me in (claimant_id, owner_id):
        return False
    if arbiter_id is None:
        return may_arbitrate_any
    return me == arbiter_id


def reveals_account(viewer: Viewer, owner_id: int, sees_account_now: bool) -> bool:
    """Whether the viewer is shown which account a dispute is about and whose it was:
    department managers and administrators, the owner's line (the owner, his managers,
    hence the arbiter), and whoever sees the account now (the claimant once it is his).
    The claimant otherwise learns only that the dispute exists (DESIGN "Revealing")."""
    if viewer.people is None or sees_account_now:
        return True
    return owner_id in viewer.people
