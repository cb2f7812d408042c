"""Pure rules of clients' org copy: what an authority limit says (which event wins is
shared.org_copy.rules)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


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
