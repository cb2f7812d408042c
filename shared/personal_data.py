"""Masking a person's phone number and e-mail address for readers who must not see them."""

from __future__ import annotations

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
