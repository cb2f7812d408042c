"""Pure rules of above-authority requests: who decides, who may see, what a decision does."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum


class ApprovalState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    # Approved, but the record moved since the request: nothing was applied.
    FAILED = "failed"


@dataclass(frozen=True)
class Approver:
    """The superior who decides, or nobody named: four eyes at the top of the chart."""

    employee_id: int | None

    @property
    def four_eyes(self) -> bool:
        return self.employee_id is None


def approver_from_chain(chain: Sequence[tuple[int, str]]) -> Approver:
    """The nearest active superior in the requester's manager chain (nearest first, as
    (employee id, status)); at the top (no active superior) four eyes decide.

    Stand-ins of a superior on leave are not consulted yet (the clients org copy has no
    stand-ins): the request goes one step further up instead."""
    for employee_id, status in chain:
        if status == "active":
            return Approver(employee_id)
    return Approver(None)


def may_decide(
    *,
    me: int,
    requester: int,
    approver: int | None,
    four_eyes: bool,
    is_department_manager_or_admin: bool,
) -> bool:
    """Whether ``me`` may approve or refuse: never one's own request; the named superior;
    at the top, any other department manager or an administrator (the second pair of eyes)."""
    if me == requester:
        return False
    if four_eyes:
        return is_department_manager_or_admin
    return me == approver


@dataclass(frozen=True)
class Viewer:
    """Who is asking about requests: the employee, his people (himself and his reporting
    subtree; None for an administrator or the department manager: everyone) and whether
    he is a department manager or an administrator (who may be the second pair of eyes
    at the top)."""

    employee_id: int | None
    people: Collection[int] | None
    is_department_manager: bool
    is_admin: bool
