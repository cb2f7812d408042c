"""Every query on visits and the contact schedule."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any, TypeVar, cast

import sqlalchemy
from sqlalchemy import func, text
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.access import visible_accounts
from services.clients.accounts.names import with_names
from services.clients.contacts.models import AccountContact, Contact
from services.clients.db import Repository
from services.clients.keyset import FAR_FUTURE_DAY, ListOrder
from services.clients.org.repository import reporting_subtree_ids
from services.clients.visits.models import ContactTouch, Visit
from services.clients.visits.schemas import TouchQuery, VisitQuery

PLANNED, COMPLETED, CANCELLED = "planned", "completed", "cancelled"
BIRTHDAY = "birthday_greeting"


Query = TypeVar("Query")

VISIT_ORDERS = {
    order.name: order
    for order in (
        ListOrder("id", col(Visit.id), False, "int"),
        ListOrder("planned_on", func.coalesce(col(Visit.planned_on), FAR_FUTURE_DAY), False, "day"),
        ListOrder("-planned_on", func.coalesce(col(Visit.planned_on), FAR_FUTURE_DAY), True, "day"),
    )
}


def _scoped(query: Query, account_id_column: Any, owner_ids: Collection[int] | None) -> Query:
    """Only rows under accounts the caller may see (unchanged when unrestricted)."""
    if owner_ids is None:
        return query
    return cast(Query, cast(Any, query).where(visible_accounts(account_id_column, owner_ids)))


def _owners(column: Any, owner_ids: list[int] | None, team_of: int | None) -> list[Any]:
    conditions = []
    if owner_ids:
        conditions.append(column.in_(owner_ids))
    if team_of is not None:
        conditions.append(column.in_(reporting_subtree_ids(team_of)))
    return conditions


class VisitRepository(Repository):
    """Queries for visits, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self, visit_id: int, *, owner_ids: Collection[int] | None, for_update: bool = False
    ) -> Visit | None:
        query = _scoped(
            select(Visit).where(col(Visit.id) == visit_id), col(Visit.account_id), owner_ids
        )
        if for_update:
            query = query.with_for_update(of=Visit).execution_options(populate_existing=True)
        result = await self.session.exec(query)
        return result.first()

    def _where(
        self,
        query: sqlalchemy.Select[Any],
        filters: VisitQuery,
        owner_ids: Collection[int] | None,
        today: date,
    ) -> sqlalchemy.Select[Any]:
        query = _scoped(query, col(Visit.account_id), owner_ids)
        conditions = _owners(col(Visit.owner_id), filters.owner_ids, filters.team_of)
        if filters.ids:
            conditions.append(col(Visit.id).in_(filters.ids))
        if filters.statuses:
            conditions.append(col(Visit.status).in_(filters.statuses))
        if filters.account_id is not None:
            conditions.append(col(Visit.account_id) == filters.account_id)
        if filters.source is not None:
            conditions.append(col(Visit.source) == filters.source)
        if filters.overdue:
            conditions += [col(Visit.status) == PLANNED, col(Visit.planned_on) < today]
        if filters.planned_from is not None:
            conditions.append(col(Visit.planned_on) >= filters.planned_from)
        if filters.planned_to is not None:
            conditions.append(col(Visit.planned_on) <= filters.planned_to)
        return query.where(*conditions) if conditions else query

    async def search(
        self,
        filters: VisitQuery,
        *,
        owner_ids: Collection[int] | None,
        today: date,
        order: ListOrder,
        after: Any,
        limit: int,
    ) -> Sequence[Any]:
        """One page in ``order``: rows of (visit, sort value, account name, owner name)."""
        query = with_names(
            sqlalchemy.select(Visit, order.expression.label("sort_value")),
            col(Visit.account_id),
            col(Visit.owner_id),
        )
        query = self._where(query, filters, owner_ids, today)
        if after is not None:
            query = query.where(after)
        query = query.order_by(*order.clauses(col(Visit.id))).limit(limit)
        result = await self.session.execute(query)  # rows of several columns
        return result.all()

    async def count(
        self, filters: VisitQuery, *, owner_ids: Collection[int] | None, today: date
    ) -> int:
        """How many visits the list's filters match in the caller's scope."""
        query = sqlalchemy.select(func.count()).select_from(Visit)
        query = self._where(query, filters, owner_ids, today)
        return int((await self.session.execute(query)).scalar_one())

    async def plan_of(
        self, account_id: int, *, from_year: int, to_year: int | None = None
    ) -> Sequence[Visit]:
        """The visits of the account's yearly plans from ``from_year`` (to ``to_year``)."""
        query = select(Visit).where(
            col(Visit.account_id) == account_id,
            col(Visit.source) == "plan",
            col(Visit.planned_on) >= date(from_year, 1, 1),
        )
        if to_year is not None:
            query = query.where(col(Visit.planned_on) <= date(to_year, 12, 31))
        result = await self.session.exec(query.order_by(col(Visit.planned_on), col(Visit.id)))
        return result.all()

    async def plan_exists(self, account_id: int, year: int) -> bool:
        """Whether the account has a (not cancelled) plan visit in ``year``."""
        query = select(func.count()).where(
            col(Visit.account_id) == account_id,
            col(Visit.source) == "plan",
            col(Visit.status) != CANCELLED,
            col(Visit.planned_on).between(date(year, 1, 1), date(year, 12, 31)),
        )
        return bool((await self.session.exec(query)).one())

    async def completion(
        self,
        start: date,
        end: date,
        *,
        owner_ids: Collection[int] | None,
        owner_filter: list[int] | None,
        team_of: int | None,
    ) -> list[tuple[int, int, int]]:
        """``(owner_id, planned, done)`` per owner of visits planned in ``[start, end]``;
        cancelled visits never count. One grouped query on (owner_id, planned_on)."""
        done = func.count().filter(col(Visit.status) == COMPLETED)
        query = _scoped(
            select(col(Visit.owner_id), func.count(), done), col(Visit.account_id), owner_ids
        ).where(
            col(Visit.planned_on).between(start, end),
            col(Visit.status) != CANCELLED,
            *_owners(col(Visit.owner_id), owner_filter, team_of),
        )
        query = query.group_by(col(Visit.owner_id)).order_by(col(Visit.owner_id))
        result = await self.session.exec(query)
        return [(owner, planned, completed) for owner, planned, completed in result.all()]

    async def linked_contact_ids(self, account_id: int, contact_ids: Collection[int]) -> set[int]:
        """Which of ``contact_ids`` are contacts of the account."""
        if not contact_ids:
            return set()
        result = await self.session.exec(
            select(col(AccountContact.contact_id)).where(
                col(AccountContact.account_id) == account_id,
                col(AccountContact.contact_id).in_(list(contact_ids)),
            )
        )
        return set(result.all())


class ContactTouchRepository(Repository):
    """Queries for the contact schedule, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self, touch_id: int, *, owner_ids: Collection[int] | None, for_update: bool = False
    ) -> ContactTouch | None:
        query = _scoped(
            select(ContactTouch).where(col(ContactTouch.id) == touch_id),
            col(ContactTouch.account_id),
            owner_ids,
        )
        if for_update:
            query = query.with_for_update(of=ContactTouch).execution_options(populate_existing=True)
        result = await self.session.exec(query)
        return result.first()

    async def search(
        self,
        filters: TouchQuery,
        *,
        owner_ids: Collection[int] | None,
        today: date,
        after_id: int | None,
        limit: int,
    ) -> Sequence[ContactTouch]:
        query = _scoped(select(ContactTouch), col(ContactTouch.account_id), owner_ids)
        conditions = _owners(col(ContactTouch.owner_id), filters.owner_ids, filters.team_of)
        if filters.statuses:
            conditions.append(col(ContactTouch.status).in_(filters.statuses))
        if filters.kinds:
            conditions.append(col(ContactTouch.kind).in_(filters.kinds))
        if filters.account_id is not None:
            conditions.append(col(ContactTouch.account_id) == filters.account_id)
        if filters.overdue:
            conditions += [col(ContactTouch.status) == PLANNED, col(ContactTouch.due_on) < today]
        if filters.due_from is not None:
            conditions.append(col(ContactTouch.due_on) >= filters.due_from)
        if filters.due_to is not None:
            conditions.append(col(ContactTouch.due_on) <= filters.due_to)
        if after_id is not None:
            conditions.append(col(ContactTouch.id) > after_id)
        query = query.where(*conditions).order_by(col(ContactTouch.id)).limit(limit)
        result = await self.session.exec(query)
        return result.all()

    async def birthdays(self, account_id: int, today: date) -> list[tuple[int, date]]:
        """``(contact_id, birthday)`` of the account's active contacts with a birthday."""
        result = await self.session.exec(
            select(col(Contact.id), col(Contact.birthday))
            .join(AccountContact, col(AccountContact.contact_id) == col(Contact.id))
            .where(
                col(AccountContact.account_id) == account_id,
                col(AccountContact.active).is_(True),
                (col(AccountContact.end_date).is_(None)) | (col(AccountContact.end_date) >= today),
                col(Contact.birthday).is_not(None),
            )
            .order_by(col(Contact.id))
        )
        return [(contact_id or 0, birthday) for contact_id, birthday in result.all() if birthday]

    async def add_birthday_greetings(self, rows: list[dict[str, Any]]) -> list[int]:
        """Insert greetings, skipping any already planned (same account, contact and day);
        the ids of those inserted."""
        if not rows:
            return []
        statement = (
            insert(ContactTouch)
            .values(rows)
            .on_conflict_do_nothing(
                index_elements=["account_id", "contact_id", "due_on"],
                index_where=text(f"kind = '{BIRTHDAY}'"),
            )
            .returning(col(ContactTouch.id))
        )
        result = await self.session.execute(statement)
        return sorted(result.scalars().all())

    async def get_many(self, touch_ids: Collection[int]) -> Sequence[ContactTouch]:
        result = await self.session.exec(
            select(ContactTouch)
            .where(col(ContactTouch.id).in_(list(touch_ids)))
            .order_by(col(ContactTouch.id))
        )
        return result.all()
