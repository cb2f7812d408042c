"""Pure rules of the work items clients posts: when a date is due, and the source keys.

Every key names the record and the occasion, so a job that runs again (or a request
retried) finds the key already posted and adds nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MORNING = time(9)
"""Time-based items are due at nine in the company's morning of their day."""


def birthday_in_year(birthday: date, year: int) -> date:
    """The day a birthday falls on in ``year``; 29 February is kept on 28 February in
    years without one (the contact schedule plans greetings on the same day)."""
    try:
        return birthday.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def next_birthday(birthday: date, today: date) -> date:
    """The first birthday on or after ``today`` (this year's, else next year's)."""
    this_year = birthday_in_year(birthday, today.year)
    return this_year if this_year >= today else birthday_in_year(birthday, today.year + 1)


def birthday_ahead(birthday: date, today: date, days_ahead: int) -> date | None:
    """The birthday to announce today: the next one if it is at most ``days_ahead`` away."""
    upcoming = next_birthday(birthday, today)
    return upcoming if (upcoming - today).days <= days_ahead else None


def renewal_due(end_date: date, today: date, notice_days: int) -> bool:
    """A contract is up for renewal from ``notice_days`` before its end date until it ends
    (an ended contract is expired, not due)."""
    return 0 <= (end_date - today).days <= notice_days


def pending_too_long(received_at: datetime, now: datetime, hours: float) -> bool:
    """An ERP event that has waited ``hours`` or more is reported to finance."""
    return now - received_at >= timedelta(hours=hours)


def breach_imminent(deadline: datetime | None, now: datetime, window: timedelta) -> bool:
    """A deadline still ahead of ``now`` but within ``window`` (a passed one is a breach)."""
    return deadline is not None and now < deadline <= now + window


def morning_of(day: date, timezone: str) -> datetime:
    """Nine o'clock of ``day`` in the company's zone (an aware instant)."""
    return datetime.combine(day, MORNING, tzinfo=ZoneInfo(timezone))


# --- source keys (one post and at most one close each) ------------------------------------


def ticket_prefix(ticket_id: int) -> str:
    return f"ticket:{ticket_id}:"


def escalation_key(ticket_id: int, reopen_count: int) -> str:
    return f"{ticket_prefix(ticket_id)}escalation:{reopen_count}"


def imminent_key(ticket_id: int, deadline: str, reopen_count: int) -> str:
    return f"{ticket_prefix(ticket_id)}imminent:{deadline}:{reopen_count}"


def overdue_visits_prefix(employee_id: int) -> str:
    return f"visits-overdue:{employee_id}:"


def overdue_visits_key(employee_id: int, day: date) -> str:
    return f"{overdue_visits_prefix(employee_id)}{day.isoformat()}"


COLLECTION_TASK_ROLES = ("owner", "manager")
"""A collection task's items: its owner's, and the manager's it escalates to."""


def collection_task_key(task_id: int, role: str) -> str:
    return f"collection-task:{task_id}:{role}"


def collection_task_keys(task_id: int) -> list[str]:
    return [collection_task_key(task_id, role) for role in COLLECTION_TASK_ROLES]


BIRTHDAY_PREFIX = "birthday:"


def birthday_key(contact_id: int, account_id: int, day: date) -> str:
    return f"{BIRTHDAY_PREFIX}{day.isoformat()}:{contact_id}:{account_id}"


def birthday_day_of(key: str) -> date | None:
    """The birthday a birthday key names (None for another key)."""
    if not key.startswith(BIRTHDAY_PREFIX):
        return None
    try:
        return date.fromisoformat(key.removeprefix(BIRTHDAY_PREFIX).split(":", 1)[0])
    except ValueError:
        return None


def renewal_prefix(contract_id: int) -> str:
    return f"contract:{contract_id}:renewal:"


def renewal_key(contract_id: int, end_date: date) -> str:
    return f"{renewal_prefix(contract_id)}{end_date.isoformat()}"


def erp_event_prefix(event_id: int) -> str:
    return f"erp-event:{event_id}:"


def erp_pending_key(event_id: int, employee_id: int) -> str:
    return f"{erp_event_prefix(event_id)}pending:{employee_id}"


RECONCILIATION_PREFIX = "reconciliation:"


def reconciliation_key(day: date, employee_id: int) -> str:
    return f"{RECONCILIATION_PREFIX}{day.isoformat()}:{employee_id}"


def approval_prefix(request_id: int) -> str:
    return f"approval:{request_id}:"


def approval_request_key(request_id: int) -> str:
    return f"{approval_prefix(request_id)}request"


def approval_answer_key(request_id: int) -> str:
    return f"{approval_prefix(request_id)}answer"


def dispute_arbitration_key(dispute_id: int) -> str:
    return f"ownership-dispute:{dispute_id}:arbitration"


def dispute_outcome_key(dispute_id: int, employee_id: int) -> str:
    """The decision told to one party (the claimant's and the owner's are two items)."""
    return f"ownership-dispute:{dispute_id}:outcome:{employee_id}"
