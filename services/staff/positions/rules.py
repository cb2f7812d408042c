"""Pure rules of position descriptions: reporting-line cycles and the diff between versions."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

DiffEntry = dict[str, Any]


def reporting_cycle(
    position_code: str, reports_to_code: str | None, reports_to_of: Mapping[str, str | None]
) -> list[str] | None:
    """The cycle ``position_code`` would close by reporting to ``reports_to_code``, or None.

    ``reports_to_of`` maps every other position's code to the code it reports to now; the
    position's own current line is ignored (it is being replaced). The returned list starts
    and ends with ``position_code``.
    """
    path = [position_code]
    node = reports_to_code
    seen = {position_code}
    while node is not None:
        path.append(node)
        if node == position_code:
            return path
        if node in seen:  # a cycle elsewhere; not ours to report
            return None
        seen.add(node)
        node = reports_to_of.get(node)
    return None


def _duty_key(item: Mapping[str, Any]) -> str:
    return str(item.get("statement"))


def _authority_items(value: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    value = value or {}
    return [
        {**item, "_key": f"{group}:{item.get('code')}"}
        for group in ("personnel", "financial", "business")
        for item in value.get(group, [])
    ]


def _collaboration_items(value: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    value = value or {}
    return [
        {**item, "_key": f"{group}:{item.get('party')}"}
        for group in ("internal", "group", "external")
        for item in value.get(group, [])
    ]


def _training_items(value: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    value = value or {}
    return [
        {"_key": f"{kind}:{text}"} for kind in ("pre_job", "on_job") for text in value.get(kind, [])
    ]


def diff_items(
    before: Sequence[Any], after: Sequence[Any], key: Callable[[Any], str]
) -> tuple[list[str], list[str], list[str]]:
    """Items added, removed, and changed (same key, different content), each by key."""
    old = {key(item): item for item in before}
    new = {key(item): item for item in after}
    added = [k for k in new if k not in old]
    removed = [k for k in old if k not in new]
    changed = [k for k in new if k in old and new[k] != old[k]]
    return added, removed, changed


def _own_key(item: Any) -> str:
    return str(item.get("_key")) if isinstance(item, Mapping) else str(item)


LIST_FIELDS: Mapping[str, tuple[Callable[[Any], list[Any]], Callable[[Any], str]]] = {
    "duties": (lambda v: list(v or []), _duty_key),
    "basis_documents": (lambda v: list(v or []), str),
    "authorities": (_authority_items, _own_key),
    "collaboration": (_collaboration_items, _own_key),
    "training": (_training_items, _own_key),
}


def diff_versions(
    before: Mapping[str, Any], after: Mapping[str, Any], fields: Sequence[str]
) -> list[DiffEntry]:
    """Field-level differences between two versions' contents (JSON-shaped dicts).

    Scalars show ``before`` and ``after``; lists (and the grouped lists of authorities,
    collaboration and training) show which items were added, removed or changed; plain
    objects (qualifications, authoring) show which sub-fields changed.
    """
    changes: list[DiffEntry] = []
    for field in fields:
        old, new = before.get(field), after.get(field)
        if old == new:
            continue
        if field in LIST_FIELDS:
            explode, key = LIST_FIELDS[field]
            added, removed, changed = diff_items(explode(old), explode(new), key)
            changes.append({"field": field, "added": added, "removed": removed, "changed": changed})
        elif isinstance(old, Mapping) or isinstance(new, Mapping):
            old_map, new_map = dict(old or {}), dict(new or {})
            keys = sorted(set(old_map) | set(new_map))
            changes.append(
                {
                    "field": field,
                    "changed": [k for k in keys if old_map.get(k) != new_map.get(k)],
                    "before": old,
                    "after": new,
                }
            )
        else:
            changes.append({"field": field, "before": old, "after": new})
    return changes


def approver_positions(
    position_code: str,
    named_approver_code: str | None,
    department_heads: Sequence[str | None],
) -> frozenset[str] | None:
    """The positions whose holders may approve a description, or None at the top.

    The approver the description names wins (the caller passes None when nobody holds that
    position now). Else the department managers above it: the heads of its department and
    of every department up to the root (``department_heads`` runs that way), except the
    position itself, so a team's description goes to its lead's manager as well and the
    head of a department is approved from above. None means nobody is above it: any
    department manager or admin other than the one who submitted approves (four eyes).
    """
    if named_approver_code is not None:
        return frozenset({named_approver_code})
    above = frozenset(h for h in department_heads if h is not None and h != position_code)
    return above or None


def approver_candidates(
    position_code: str,
    named_approver_code: str | None,
    department_heads: Sequence[str | None],
) -> list[str]:
    """The positions that may approve, nearest first: whom to ask (the first whose holder is
    not the submitter). The same set as :func:`approver_positions`; empty at the top."""
    if named_approver_code is not None:
        return [named_approver_code]
    nearest_first: list[str] = []
    for head in department_heads:
        if head is not None and head != position_code and head not in nearest_first:
            nearest_first.append(head)
    return nearest_first


def same_person(
    submitter: tuple[str | None, int | None], approver: tuple[str | None, int | None]
) -> bool:
    """Whether approver and submitter (each a login subject and an employee id) are one.

    Either matching is enough: two logins of one employee are still one person, and a login
    without an employee record is the same login whatever it claims.
    """
    (sub_subject, sub_employee), (app_subject, app_employee) = submitter, approver
    if sub_employee is not None and sub_employee == app_employee:
        return True
    return sub_subject is not None and sub_subject == app_subject


def peer_code_problems(position_code: str, peer_codes: Sequence[str]) -> list[str]:
    """What is wrong with a list of 同僚 positions, before checking that they exist."""
    problems = []
    if position_code in peer_codes:
        problems.append(f"position {position_code} cannot be its own peer")
    duplicates = sorted({code for code in peer_codes if peer_codes.count(code) > 1})
    if duplicates:
        problems.append(f"peer positions named twice: {', '.join(duplicates)}")
    return problems
