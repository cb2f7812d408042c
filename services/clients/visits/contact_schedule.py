"""The contact schedule (大客户联络计划表): calls, meetings, birthday greetings and holiday
care planned with the people at an account. Never commits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from services.clients.accounts.models import Account
from services.clients.accounts.repository import AccountRepository
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail, snapshot
from services.clients.visits.models import ContactTouch
from services.clients.visits.repository import BIRTHDAY, ContactTouchRepository, VisitRepository
from services.clients.visits.rules import birthday_in_year
from services.clients.visits.schemas import (
    BirthdayGreetings,
    ContactTouchCreate,
    ContactTouchDone,
    ContactTouchRead,
    TouchQuery,
    TouchStatus,
)
from services.clients.visits.service import OwnerScope, date_range_error, field_error
from shared.concurrency import check_if_match
from shared.errors import InvalidTransition, NotFound, RecordClosed


class ContactScheduleService:
    """Planned contacts of accounts, within the caller's data scope."""

    def __init__(
        self,
        accounts: AccountRepository,
        repository: ContactTouchRepository,
        visits: VisitRepository,
        audit: AuditTrail,
        *,
        today: Callable[[], date],
    ) -> None:
        self.accounts = accounts
        self.repository = repository
        self.visits = visits
        self.audit = audit
        self.today = today

    def read(self, touch: ContactTouch) -> ContactTouchRead:
        overdue = touch.status == TouchStatus.PLANNED and touch.due_on < self.today()
        return ContactTouchRead.model_validate(touch).model_copy(update={"overdue": overdue})

    async def _account(
        self, account_id: int, owner_ids: OwnerScope, *, writable: bool = False
    ) -> Account:
        account = await self.accounts.visible(account_id, owner_ids)
        if writable and account.status == "archived":
            raise RecordClosed(
                f"account {account_id} is archived; restore it before planning contacts",
                extra={"reason": "account_archived"},
            )
        return account

    def _audit(
        self,
        touch: ContactTouch,
        action: str,
        actor_employee_id: int | None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        assert touch.id is not None
        self.audit.record(
            entity=AuditEntity.CONTACT_SCHEDULE,
            entity_id=touch.id,
            account_id=touch.account_id,
            action=action,
            actor_employee_id=actor_employee_id,
            before=before,
            after=after if after is not None else snapshot(touch),
        )

    async def create(
        self,
        account_id: int,
        data: ContactTouchCreate,
        owner_ids: OwnerScope,
        actor_employee_id: int | None,
    ) -> ContactTouchRead:
        account = await self._account(account_id, owner_ids, writable=True)
        if not await self.visits.linked_contact_ids(account_id, [data.contact_id]):
            raise field_error(
                ["body", "contact_id"],
                f"contact {data.contact_id} is not a contact of account {account_id}",
                "unknown_contact",
            )
        if data.due_on < self.today():
            raise field_error(["body", "due_on"], f"{data.due_on} is in the past", "date_in_past")
        touch = await self.repository.add(
            ContactTouch(
                account_id=account_id,
                contact_id=data.contact_id,
                owner_id=account.owner_id,
                due_on=data.due_on,
                kind=data.kind.value,
                note=data.note,
            )
        )
        self._audit(touch, "create", actor_employee_id)
        return self.read(touch)

    async def _finish(
        self,
        touch_id: int,
        status: TouchStatus,
        data: ContactTouchDone,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor_employee_id: int | None,
    ) -> ContactTouchRead:
        touch = await self.repository.get(touch_id, owner_ids=owner_ids, for_update=True)
        if touch is None:
            raise NotFound(f"contact touch {touch_id} does not exist")
        check_if_match(if_match, touch.version)
        await self._account(touch.account_id, owner_ids, writable=True)
        if touch.status != TouchStatus.PLANNED:
            raise InvalidTransition(
                f"contact touch {touch_id} is already {touch.status}",
                extra={"reason": "not_planned"},
            )
        done_on = data.done_on or self.today()
        if done_on > self.today():
            raise field_error(["body", "done_on"], f"{done_on} is in the future", "date_in_future")
        touch.status = status.value
        touch.done_on = done_on
        if data.note is not None:
            touch.note = data.note
        touch.version += 1
        touch = await self.repository.add(touch)
        self._audit(
            touch,
            status.value,
            actor_employee_id,
            before={"status": TouchStatus.PLANNED.value},
            after={"status": touch.status, "done_on": done_on.isoformat(), "note": touch.note},
        )
        return self.read(touch)

    async def mark_done(
        self,
        touch_id: int,
        data: ContactTouchDone,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor_employee_id: int | None,
    ) -> ContactTouchRead:
        return await self._finish(
            touch_id, TouchStatus.DONE, data, if_match, owner_ids, actor_employee_id
        )

    async def skip(
        self,
        touch_id: int,
        data: ContactTouchDone,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor_employee_id: int | None,
    ) -> ContactTouchRead:
        return await self._finish(
            touch_id, TouchStatus.SKIPPED, data, if_match, owner_ids, actor_employee_id
        )

    async def search(
        self, filters: TouchQuery, owner_ids: OwnerScope, *, after_id: int | None, limit: int
    ) -> list[ContactTouchRead]:
        if filters.due_from and filters.due_to:
            date_range_error("due_from", "due_to", filters.due_from, filters.due_to)
        rows = await self.repository.search(
            filters, owner_ids=owner_ids, today=self.today(), after_id=after_id, limit=limit
        )
        return [self.read(touch) for touch in rows]

    async def list_for_account(
        self,
        account_id: int,
        filters: TouchQuery,
        owner_ids: OwnerScope,
        *,
        after_id: int | None,
        limit: int,
    ) -> list[ContactTouchRead]:
        await self._account(account_id, owner_ids)
        return await self.search(
            filters.model_copy(update={"account_id": account_id}),
            owner_ids,
            after_id=after_id,
            limit=limit,
        )

    async def birthday_greetings(
        self, account_id: int, year: int, owner_ids: OwnerScope, actor_employee_id: int | None
    ) -> BirthdayGreetings:
        """Plan a greeting on each active contact's birthday in ``year`` (from today on);
        greetings already planned are not planned twice."""
        account = await self._account(account_id, owner_ids, writable=True)
        today = self.today()
        if year < today.year:
            raise field_error(["query", "year"], f"{year} is over", "year")
        rows = [
            {
                "account_id": account_id,
                "contact_id": contact_id,
                "owner_id": account.owner_id,
                "due_on": birthday_in_year(birthday, year),
                "kind": BIRTHDAY,
                "status": TouchStatus.PLANNED.value,
                "note": "",
                "version": 1,
            }
            for contact_id, birthday in await self.repository.birthdays(account_id, today)
            if birthday_in_year(birthday, year) >= today
        ]
        created_ids = await self.repository.add_birthday_greetings(rows)
        created = list(await self.repository.get_many(created_ids))
        for touch in created:
            self._audit(touch, "create", actor_employee_id)
        return BirthdayGreetings(
            year=year,
            created=len(created),
            existing=len(rows) - len(created),
            items=[self.read(touch) for touch in created],
        )
