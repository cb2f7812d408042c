"""Pure rules of the inbox: how an item looks to its reader now."""

from __future__ import annotations

from datetime import datetime

from services.staff.inbox.kinds import KIND_LABELS, WorkItemKind, WorkItemState


def seen_state(
    state: WorkItemState, snoozed_until: datetime | None, now: datetime
) -> WorkItemState:
    """The state a person sees: a snoozed item is open again once its snooze has run out."""
    if state is WorkItemState.SNOOZED and snoozed_until is not None and snoozed_until <= now:
        return WorkItemState.OPEN
    return state


def kind_label(kind: WorkItemKind, accept_language: str | None) -> str:
    """The kind's label in the reader's language: English when asked first, else Chinese."""
    wanted = (accept_language or "").split(",")[0].strip().lower()
    language = "en" if wanted.startswith("en") else "zh-CN"
    return KIND_LABELS[kind][language]
