"""The queries of "my day" that no other domain's list answers: birthdays and renewals."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

import sqlalchemy
from sqlalchemy.orm import aliased
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.access import visible_accounts
from services.clients.accounts.models import Account
from services.clients.contacts.models import AccountContact, Contact
from services.clients.contracts.models import Contract
from services.clients.my_day.rules import month_days_within

BIRTHDAY_CANDIDATES = 2000
"""Contacts with a birthday this week read per call at most (a person's accounts hold far
fewer: a week is ~2 % of the year's birthdays)."""


class MyDayRepository:
    """Queries for one person's day, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def birthdays(
        self, owner_id: int, owner_ids: Collection[int] | None, today: date
    ) -> Sequence[Any]:
        """(contact id, name, birthday, account id, account name) of the active contacts of
        the accounts ``owner_id`` owns, within the scope, whose birthday's month and day
        fall in the coming week (the rule confirms each)."""
        query = (
            sqlalchemy.select(
                col(Contact.id),
                col(Contact.name),
                col(Contact.birthday),
                col(Account.id),
                col(Account.legal_name),
            )
            .join(AccountContact, col(AccountContact.contact_id) == col(Contact.id))
            .join(Account, col(Account.id) == col(AccountContact.account_id))
            .where(
                col(Account.owner_id) == owner_id,
                col(Account.status) != "archived",
                visible_accounts(col(Account.id), owner_ids),
                col(AccountContact.active).is_(True),
                col(AccountContact.end_date).is_(None) | (col(AccountContact.end_date) >= today),
                sqlalchemy.func.to_char(col(Contact.birthday), "MM-DD").in_(
                    month_days_within(today)
                ),
            )
            .order_by(col(Contact.id), col(Account.id))
            .limit(BIRTHDAY_CANDIDATES)
        )
        return (await self.session.execute(query)).all()

    async def renewals(
        self,
        owner_id: int,
        owner_ids: Collection[int] | None,
        today: date,
        until: date,
        limit: int,
    ) -> tuple[Sequence[Any], int]:
        """The first ``limit`` signed contracts of the accounts ``owner_id`` owns ending in
        [today, until] that no contract renews yet, ending soonest first, as (id, number,
        title, account id, end date, account name); and how many there are in all (one
        statement: an account manager's year of contracts holds hundreds in the window)."""
        renewal = aliased(Contract)
        renewed = (
            sqlalchemy.select(col(renewal.id))
            .where(col(renewal.renewal_of_id) == col(Contract.id))
            .exists()
        )
        query = (
            sqlalchemy.select(
                col(Contract.id),
                col(Contract.number),
                col(Contract.title),
                col(Contract.account_id),
                col(Contract.end_date),
                col(Account.legal_name),
                sqlalchemy.func.count().over().label("total"),
            )
            .join(Account, col(Account.id) == col(Contract.account_id))
            .where(
                col(Account.owner_id) == owner_id,
                visible_accounts(col(Account.id), owner_ids),
                col(Contract.status) == "signed",
                col(Contract.end_date) >= today,
                col(Contract.end_date) <= until,
                ~renewed,
            )
            .order_by(col(Contract.end_date), col(Contract.id))
            .limit(limit)
        )
        rows = (await self.session.execute(query)).all()
        return rows, rows[0].total if rows else 0
