"""Pure rules of the reporting line and of what other services learn about an employee."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

AUTHORITY_GROUPS = ("personnel", "financial", "business")


def derived_manager(
    employee_id: int | None, holders_of_superior_position: Sequence[tuple[int, str]]
) -> int | None:
    """The manager from the position tree: an active holder of the reports-to position
    (else one on leave), the lowest id first; never the employee themselves."""
    candidates = [
        (status != "active", holder_id) for holder_id, status in holders_of_superior_position
    ]
    candidates = [c for c in candidates if c[1] != employee_id]
    return min(candidates)[1] if candidates else None


def authority_limits(authorities: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """``{authority code: its limits}`` for every authority that carries limits, as JSON."""
    limits: dict[str, dict[str, Any]] = {}
    for group in AUTHORITY_GROUPS:
        for authority in (authorities or {}).get(group, []):
            given = {k: v for k, v in (authority.get("limits") or {}).items() if v is not None}
            if given:
                limits[str(authority["code"])] = given
    return limits
