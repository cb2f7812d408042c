"""Pure rules of the org copy: which event wins, what an authority limit says."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol, TypeVar


class Versioned(Protocol):
    @property
    def employee_id(self) -> int: ...

    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=Versioned)


def newest_per_employee(events: Iterable[V]) -> list[V]:
    """Keep, per employee, only the event with the highest version (first one on a tie).

    A batch may repeat an employee (retries, bursts of changes); one upsert statement may
    touch a row only once, and only the newest state matters anyway.
    """
    newest: dict[int, V] = {}
    for event in events:
        kept = newest.get(event.employee_id)
        if kept is None or event.version > kept.version:
            newest[event.employee_id] = event
    return list(newest.values())


def credit_adjustment_limit(authority_limits: Mapping[str, Any]) -> int | None:
    """The largest credit-score change one adjustment may make, or None without authority.

    Reads ``authority_limits["adjust_credit_score"]["max_delta"]`` (from the employee's
    approved position version). Anything missing, negative or not an integer is no
    authority: an unreadable limit must never grant more than intended.
    """
    grant = authority_limits.get("adjust_credit_score")
    if not isinstance(grant, Mapping):
        return None
    max_delta = grant.get("max_delta")
    if isinstance(max_delta, bool) or not isinstance(max_delta, int) or max_delta < 0:
        return None
    return max_delta
