"""Every query on contacts and their links to accounts."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, exists, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.access import visible_accounts
from services.clients.accounts.models import Account
from services.clients.contacts.models import AccountContact, Contact
from services.clients.db import Repository
from services.clients.teams.models import AccountTeamMember
from services.clients.teams.rules import TeamAccess

DECISION_MAKER = "decision_maker"


def _in_scope(owner_ids: Collection[int] | None) -> Any:
    """Accounts the caller may see (True when unrestricted)."""
    return visible_accounts(col(Account.id), owner_ids)


class ContactRepository(Repository):
    """Queries for contacts, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_contact(
        self, contact_id: int, *, owner_ids: Collection[int] | None, for_update: bool = False
    ) -> Contact | None:
        """A contact, if it is linked to at least one account in scope (or scope is None)."""
        query = select(Contact).where(col(Contact.id) == contact_id)
        if owner_ids is not None:
            query = query.where(
                exists()
                .where(
                    col(AccountContact.contact_id) == col(Contact.id),
                    col(AccountContact.account_id) == col(Account.id),
                )
                .where(_in_scope(owner_ids))
            )
        if for_update:
            query = query.with_for_update(of=Contact).execution_options(populate_existing=True)
        result = await self.session.exec(query)
        return result.first()

    async def owners_of(self, contact_id: int) -> list[int]:
        """The owners of the accounts a contact is linked to."""
        result = await self.session.exec(
            select(col(Account.owner_id))
            .join(AccountContact, col(AccountContact.account_id) == col(Account.id))
            .where(col(AccountContact.contact_id) == contact_id)
            .distinct()
        )
        return list(result.all())

    async def get_link(self, account_id: int, contact_id: int) -> AccountContact | None:
        result = await self.session.exec(
            select(AccountContact).where(
                col(AccountContact.account_id) == account_id,
                col(AccountContact.contact_id) == contact_id,
            )
        )
        return result.first()

    async def for_account(
        self,
        account_id: int,
        *,
        active_only: bool,
        role: str | None,
        after_id: int | None,
        limit: int,
    ) -> Sequence[tuple[Contact, AccountContact]]:
        query = (
            select(Contact, AccountContact)
            .join(AccountContact, col(AccountContact.contact_id) == col(Contact.id))
            .where(col(AccountContact.account_id) == account_id)
            .order_by(col(Contact.id))
            .limit(limit)
        )
        if active_only:
            query = query.where(col(AccountContact.active).is_(True))
        if role is not None:
            query = query.where(col(AccountContact.roles).contains([role]))
        if after_id is not None:
            query = query.where(col(Contact.id) > after_id)
        result = await self.session.exec(query)
        return [(contact, link) for contact, link in result.all()]

    async def accounts_without_decision_maker(
        self,
        *,
        owner_ids: Collection[int] | None,
        today: date,
        after_id: int | None,
        limit: int,
    ) -> Sequence[tuple[int, str, int, str, int]]:
        """Active accounts with no active, unexpired decision maker, by id, with how many
        active contacts they do have."""
        live = and_(
            col(AccountContact.account_id) == col(Account.id),
            col(AccountContact.active).is_(True),
            (col(AccountContact.end_date).is_(None)) | (col(AccountContact.end_date) >= today),
        )
        decision_maker = exists().where(live, col(AccountContact.roles).contains([DECISION_MAKER]))
        active_contacts = (
            select(func.count()).select_from(AccountContact).where(live).scalar_subquery()
        )
        query = (
            select(Account, active_contacts)
            .where(col(Account.status) == "active", ~decision_maker, _in_scope(owner_ids))
            .order_by(col(Account.id))
            .limit(limit)
        )
        if after_id is not None:
            query = query.where(col(Account.id) > after_id)
        result = await self.session.exec(query)
        return [
            (account.id or 0, account.legal_name, account.owner_id, account.grade, count)
            for account, count in result.all()
        ]

    async def worked_by(
        self,
        employee_id: int | None,
        *,
        account_id: int | None = None,
        contact_id: int | None = None,
    ) -> bool:
        """Whether ``employee_id`` is a work-level team member of the account (or of an
        account the contact is linked to)."""
        if employee_id is None:
            return False
        query = select(col(AccountTeamMember.account_id)).where(
            col(AccountTeamMember.employee_id) == employee_id,
            col(AccountTeamMember.access) == TeamAccess.WORK.value,
        )
        if account_id is not None:
            query = query.where(col(AccountTeamMember.account_id) == account_id)
        if contact_id is not None:
            linked = select(col(AccountContact.account_id)).where(
                col(AccountContact.contact_id) == contact_id
            )
            query = query.where(col(AccountTeamMember.account_id).in_(linked))
        result = await self.session.exec(query.limit(1))
        return result.first() is not None
