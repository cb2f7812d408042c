"""Contacts (联系人): people at accounts, their roles, and the coverage alert for accounts
without a decision maker. Never commits."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date
from typing import Protocol

from services.clients.access import sees_personal_data
from services.clients.accounts.models import Account
from services.clients.accounts.repository import AccountRepository
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail, changed_fields, snapshot
from services.clients.contacts.models import AccountContact, Contact
from services.clients.contacts.repository import ContactRepository
from services.clients.contacts.rules import mask_contact
from services.clients.contacts.schemas import (
    AccountContactCreate,
    AccountContactRead,
    ContactLink,
    ContactRead,
    ContactUpdate,
    CoverageAlert,
)
from shared.auth.principal import Principal
from shared.concurrency import check_if_match
from shared.errors import NotFound, RecordClosed


def _read(contact: Contact, link: AccountContact) -> AccountContactRead:
    return AccountContactRead(
        **ContactRead.model_validate(contact).model_dump(),
        account_id=link.account_id,
        roles=link.roles,
        active=link.active,
        start_date=link.start_date,
        end_date=link.end_date,
    )


class ContactDuplicateCheck(Protocol):
    """Likely duplicates of a contact in its account's group (services.clients.duplicates)."""

    async def check_contact(
        self,
        account_id: int,
        data: AccountContactCreate,
        owner_ids: Collection[int] | None,
    ) -> bool: ...

    def record_contact_override(
        self, account_id: int, contact_id: int, reason: str, actor_employee_id: int | None
    ) -> None: ...


class ContactService:
    """Contacts of accounts, within the caller's data scope."""

    def __init__(
        self,
        accounts: AccountRepository,
        repository: ContactRepository,
        audit: AuditTrail,
        *,
        today: Callable[[], date],
        duplicates: ContactDuplicateCheck,
    ) -> None:
        self.duplicates = duplicates
        self.accounts = accounts
        self.repository = repository
        self.audit = audit
        self.today = today

    async def _account(
        self, account_id: int, owner_ids: Collection[int] | None, *, writable: bool = False
    ) -> Account:
        account = await self.accounts.visible(account_id, owner_ids)
        if writable and account.status == "archived":
            raise RecordClosed(f"account {account_id} is archived; restore it before changing it")
        return account

    async def create_for_account(
        self,
        account_id: int,
        data: AccountContactCreate,
        owner_ids: Collection[int] | None,
        actor_employee_id: int | None,
    ) -> AccountContactRead:
        await self._account(account_id, owner_ids, writable=True)
        overridden = await self.duplicates.check_contact(account_id, data, owner_ids)
        contact = Contact(
            name=data.name,
            title=data.title,
            phone=data.phone,
            email=data.email,
            birthday=data.birthday,
            notes=data.notes,
        )
        await self.repository.add(contact)
        assert contact.id is not None
        link = AccountContact(
            account_id=account_id,
            contact_id=contact.id,
            roles=[role.value for role in data.roles],
            active=data.active,
            start_date=data.start_date,
            end_date=data.end_date,
        )
        await self.repository.add(link)
        self.audit.record(
            entity=AuditEntity.CONTACT,
            entity_id=contact.id,
            account_id=account_id,
            action="create",
            actor_employee_id=actor_employee_id,
            after=snapshot(contact),
        )
        self.audit.record(
            entity=AuditEntity.ACCOUNT_CONTACT,
            entity_id=contact.id,
            account_id=account_id,
            action="link",
            actor_employee_id=actor_employee_id,
            after=snapshot(link),
        )
        if overridden and data.duplicate_reason:
            self.duplicates.record_contact_override(
                account_id, contact.id, data.duplicate_reason, actor_employee_id
            )
        return _read(contact, link)

    async def link(
        self,
        account_id: int,
        contact_id: int,
        data: ContactLink,
        owner_ids: Collection[int] | None,
        actor_employee_id: int | None,
    ) -> tuple[AccountContactRead, bool]:
        """Link an existing contact to an account, or change the link; True if created."""
        await self._account(account_id, owner_ids, writable=True)
        contact = await self.repository.get_contact(contact_id, owner_ids=owner_ids)
        if contact is None:
            raise NotFound(f"contact {contact_id} does not exist")
        link = await self.repository.get_link(account_id, contact_id)
        created = link is None
        before = None if link is None else snapshot(link)
        if link is None:
            link = AccountContact(account_id=account_id, contact_id=contact_id)
        link.roles = [role.value for role in data.roles]
        link.active = data.active
        link.start_date = data.start_date
        link.end_date = data.end_date
        await self.repository.add(link)
        self.audit.record(
            entity=AuditEntity.ACCOUNT_CONTACT,
            entity_id=contact_id,
            account_id=account_id,
            action="link" if created else "update",
            actor_employee_id=actor_employee_id,
            before=before,
            after=snapshot(link),
        )
        return _read(contact, link), created

    async def get(
        self, contact_id: int, owner_ids: Collection[int] | None, *, for_update: bool = False
    ) -> Contact:
        contact = await self.repository.get_contact(
            contact_id, owner_ids=owner_ids, for_update=for_update
        )
        if contact is None:
            raise NotFound(f"contact {contact_id} does not exist")
        return contact

    async def update(
        self,
        contact_id: int,
        data: ContactUpdate,
        if_match: str | None,
        owner_ids: Collection[int] | None,
        actor_employee_id: int | None,
    ) -> Contact:
        contact = await self.get(contact_id, owner_ids, for_update=True)  # no lost edit
        check_if_match(if_match, contact.version)
        before = snapshot(contact)
        for field, value in data.model_dump(exclude_unset=True).items():
            setattr(contact, field, value)
        contact.version += 1
        await self.repository.add(contact)
        old, new = changed_fields(before, snapshot(contact))
        self.audit.record(
            entity=AuditEntity.CONTACT,
            entity_id=contact_id,
            account_id=None,
            action="update",
            actor_employee_id=actor_employee_id,
            before=old,
            after=new,
        )
        return contact

    async def for_account(
        self,
        account_id: int,
        owner_ids: Collection[int] | None,
        viewer: Principal,
        *,
        active_only: bool,
        role: str | None,
        after_id: int | None,
        limit: int,
    ) -> list[AccountContactRead]:
        """The account's contacts, masked unless ``viewer`` sees the account's personal
        data (:func:`services.clients.access.sees_personal_data`)."""
        account = await self._account(account_id, owner_ids)
        rows = await self.repository.for_account(
            account_id, active_only=active_only, role=role, after_id=after_id, limit=limit
        )
        contacts = [_read(contact, link) for contact, link in rows]
        works = await self.repository.worked_by(viewer.employee_id, account_id=account_id)
        if sees_personal_data(viewer, owner_ids, [account.owner_id], works_on_team=works):
            return contacts
        return [mask_contact(contact) for contact in contacts]

    async def as_seen_by(
        self, contact: Contact, owner_ids: Collection[int] | None, viewer: Principal
    ) -> ContactRead:
        """One contact as ``viewer`` may read it: masked unless he sees the personal data
        of an account the contact belongs to."""
        assert contact.id is not None
        read = ContactRead.model_validate(contact)
        owners = await self.repository.owners_of(contact.id)
        works = await self.repository.worked_by(viewer.employee_id, contact_id=contact.id)
        if sees_personal_data(viewer, owner_ids, owners, works_on_team=works):
            return read
        return mask_contact(read)

    async def coverage_alerts(
        self, owner_ids: Collection[int] | None, *, after_id: int | None, limit: int
    ) -> list[CoverageAlert]:
        rows = await self.repository.accounts_without_decision_maker(
            owner_ids=owner_ids, today=self.today(), after_id=after_id, limit=limit
        )
        return [
            CoverageAlert(
                account_id=account_id,
                legal_name=legal_name,
                owner_id=owner_id,
                grade=grade,
                active_contacts=count,
            )
            for account_id, legal_name, owner_id, grade, count in rows
        ]
