"""Pure rules of reading the audit trail: the personal data in a snapshot."""

from __future__ import annotations

from typing import Any

from shared.personal_data import mask_email, mask_phone

Snapshot = dict[str, Any]

PERSONAL_FIELDS = frozenset({"phone", "email", "birthday"})
"""A contact's personal data, as its snapshots in ``before``/``after`` name it."""


def carries_personal_data(snapshot: Snapshot | None) -> bool:
    return snapshot is not None and any(snapshot.get(key) for key in PERSONAL_FIELDS)


def mask_snapshot(snapshot: Snapshot | None) -> Snapshot | None:
    """A copy of a snapshot with a contact's personal data masked the way a contact read
    masks it: phone to its last four digits, e-mail to its first character and domain,
    the birthday to its month and day (``MM-DD``, no year)."""
    if snapshot is None:
        return None
    masked = dict(snapshot)
    if isinstance(phone := masked.get("phone"), str) and phone:
        masked["phone"] = mask_phone(phone)
    if isinstance(email := masked.get("email"), str) and email:
        masked["email"] = mask_email(email)
    if isinstance(birthday := masked.get("birthday"), str) and birthday:
        masked["birthday"] = birthday[-5:]  # YYYY-MM-DD (or MM-DD already) → MM-DD
    return masked
