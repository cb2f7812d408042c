"""Pure rules of contacts: masking personal data, and who counts as a decision maker."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TypeVar

from services.clients.contacts.schemas import ContactRead

MASK = "*"


def mask_phone(phone: str) -> str:
    """Hide every digit of a phone number except the last four; keep separators.

    ``138-1234-5678`` → ``***-****-5678``. A number with four digits or fewer is hidden
    whole, since its last four digits are all of it.
    """
    digits = sum(char.isdigit() for char in phone)
    keep = 4 if digits > 4 else 0
    masked: list[str] = []
    seen = 0
    for char in phone:
        if char.isdigit():
            seen += 1
            masked.append(char if seen > digits - keep else MASK)
        else:
            masked.append(char)
    return "".join(masked)


def mask_email(email: str) -> str:
    """Keep the first character of the local part and the whole domain.

    ``wang.lei@example.com`` → ``w***@example.com``; text without ``@`` is masked whole
    after its first character.
    """
    local, at, domain = email.partition("@")
    if not local:
        return MASK * 3 + at + domain
    return local[0] + MASK * 3 + at + domain


def holds_role_on(
    roles: Iterable[str], active: bool, end_date: date | None, role: str, on: date
) -> bool:
    """Whether a contact link counts for ``role`` on ``on``: it is active, has the role,
    and its end date (if any) is not past."""
    return active and role in roles and (end_date is None or end_date >= on)


C = TypeVar("C", bound=ContactRead)


def mask_contact(contact: C) -> C:
    """A copy of a contact with phone (last 4 digits kept) and e-mail (first character and
    domain kept) masked and the birthday reduced to its month and day; for callers who do
    not see personal data (``services.clients.access.sees_personal_data``)."""
    return contact.model_copy(
        update={
            "phone": mask_phone(contact.phone) if contact.phone else contact.phone,
            "email": mask_email(contact.email) if contact.email else contact.email,
            "birthday": None,
            "birthday_month_day": contact.birthday_month_day,
            "personal_data_masked": True,
        }
    )
