"""Pure rules of the inbox: how an item looks to its reader now."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

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


# --- the items staff posts itself ------------------------------------------------------------

STAFF_SOURCE = "staff"
"""The source service of the items staff posts in-process."""


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def lockout_key(user_id: int, locked_until: datetime) -> str:
    """One item per lock: the login and the end of its lock window."""
    return f"signin-lockout:{user_id}:{_instant(locked_until)}"


def lockout_title(login: str, locked_until: datetime, zone: str) -> str:
    """What the person is told (the lock's end in the company's time zone)."""
    until = locked_until.astimezone(ZoneInfo(zone)).strftime("%H:%M")
    return (
        f"您的登录账号 {login[:64]} 因多次密码错误已被临时锁定至 {until}；"
        "如非本人操作，请联系管理员"
    )


def position_review_prefix(position_id: int, version_no: int, submitted_at: datetime) -> str:
    """The keys of one submission's approval items (one item per approver)."""
    return f"position:{position_id}:v{version_no}:review:{_instant(submitted_at)}:"


def position_review_title(code: str, title: str, version_no: int) -> str:
    return f"职位说明书「{code} {title}」第 {version_no} 版待您审批"[:200]
