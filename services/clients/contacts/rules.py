"""Pure rules of contacts: masking personal data, and who counts as a decision maker."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TypeVar

from services.clients.contacts.schemas import ContactRead
from shared.personal_data import mask_email, mask_phone


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
