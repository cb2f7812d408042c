"""Pure rules of contracts: the status a contract shows, and renewal dates. No I/O."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum


class ContractStatus(StrEnum):
    """Draft (草稿), signed (已签), terminated (终止), expired (到期; derived on read)."""

    DRAFT = "draft"
    SIGNED = "signed"
    TERMINATED = "terminated"
    EXPIRED = "expired"


def shown_status(stored: str, end_date: date, today: date) -> ContractStatus:
    """The status a reader sees: a signed contract whose end date has passed is expired.

    Expiry is derived when read instead of being stored by a job, so it is exact on any
    day without a scheduler; the stored status stays ``signed``.
    """
    status = ContractStatus(stored)
    if status is ContractStatus.SIGNED and end_date < today:
        return ContractStatus.EXPIRED
    return status


def renewal_start(previous_end: date) -> date:
    """A renewal starts, unless told otherwise, the day after the previous contract ends."""
    return previous_end + timedelta(days=1)


def termination_problem(terminated_on: date, signed_on: date, end_date: date) -> str | None:
    """Why ``terminated_on`` cannot end a contract, or None when it can: a contract is
    terminated no earlier than it was signed and no later than its end date."""
    if terminated_on < signed_on:
        return f"terminated_on {terminated_on} is before the contract was signed ({signed_on})"
    if terminated_on > end_date:
        return f"terminated_on {terminated_on} is after the contract's end date ({end_date})"
    return None
