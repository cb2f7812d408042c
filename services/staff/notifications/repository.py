"""Every query on notification preferences and deliveries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.employees.models import Employee
from services.staff.inbox.kinds import WorkItemState
from services.staff.inbox.models import WorkItem
from services.staff.inbox.repository import seen_in_state
from services.staff.notifications.models import (
    Delivery,
    DeliveryStatus,
    NotificationPreference,
    NotificationSettings,
)


class NotificationRepository:
    """Queries for one person's preferences and for the channel outbox."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def settings(self, employee_id: int) -> NotificationSettings | None:
        return await self.session.get(NotificationSettings, employee_id)

    async def preferences(self, employee_id: int) -> Sequence[NotificationPreference]:
        result = await self.session.exec(
            select(NotificationPreference).where(
                col(NotificationPreference.employee_id) == employee_id
            )
        )
        return result.all()

    async def replace_preferences(
        self,
        employee_id: int,
        settings: NotificationSettings,
        preferences: Sequence[NotificationPreference],
    ) -> None:
        await self.session.merge(settings)
        connection = await self.session.connection()
        await connection.execute(
            delete(NotificationPreference).where(
                col(NotificationPreference.employee_id) == employee_id
            )
        )
        self.session.add_all(preferences)
        await self.session.flush()

    async def add_delivery(self, delivery: Delivery) -> None:
        self.session.add(delivery)
        await self.session.flush()

    async def add_delivery_once(self, delivery: Delivery) -> int:
        """Insert unless its dedupe key is known; 1 when inserted."""
        values = {c.name: getattr(delivery, c.name) for c in Delivery.__table__.columns}  # type: ignore[attr-defined]
        values = {k: v for k, v in values.items() if v is not None}
        statement = (
            pg_insert(Delivery)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(col(Delivery.id))
        )
        connection = await self.session.connection()
        return 1 if (await connection.execute(statement)).scalar_one_or_none() else 0

    async def digest_candidates(self, now: datetime) -> list[tuple[Employee, Sequence[WorkItem]]]:
        """People who chose the daily digest, with their open items (at most 50, by due)."""
        people = (
            await self.session.exec(
                select(Employee)
                .join(
                    NotificationSettings, col(NotificationSettings.employee_id) == col(Employee.id)
                )
                .where(col(NotificationSettings.daily_digest).is_(True))
                .order_by(col(Employee.id))
            )
        ).all()
        found: list[tuple[Employee, Sequence[WorkItem]]] = []
        for person in people:
            items = (
                await self.session.exec(
                    select(WorkItem)
                    .where(
                        col(WorkItem.employee_id) == person.id,
                        seen_in_state(WorkItemState.OPEN, now),
                    )
                    .order_by(col(WorkItem.due_at).asc().nulls_last(), col(WorkItem.id))
                    .limit(50)
                )
            ).all()
            found.append((person, items))
        return found

    async def claim_due(self, now: datetime) -> Delivery | None:
        """The next due delivery, locked; one that another replica holds is skipped."""
        result = await self.session.exec(
            select(Delivery)
            .where(
                col(Delivery.status) == DeliveryStatus.PENDING.value,
                col(Delivery.next_attempt_at) <= now,
            )
            .order_by(col(Delivery.next_attempt_at), col(Delivery.id))
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        return result.first()

    async def get(self, delivery_id: uuid.UUID) -> Delivery | None:
        return await self.session.get(Delivery, delivery_id)

    async def list_status(
        self, status: DeliveryStatus, after: datetime | None, limit: int
    ) -> Sequence[Delivery]:
        query = (
            select(Delivery)
            .where(col(Delivery.status) == status.value)
            .order_by(col(Delivery.created_at).desc(), col(Delivery.id))
            .limit(limit)
        )
        if after is not None:
            query = query.where(col(Delivery.created_at) < after)
        return (await self.session.exec(query)).all()

    async def count_for_item(self, work_item_id: int) -> int:
        result = await self.session.exec(
            select(func.count())
            .select_from(Delivery)
            .where(col(Delivery.work_item_id) == work_item_id)
        )
        return int(result.one())

    async def save(self, delivery: Delivery) -> Delivery:
        self.session.add(delivery)
        await self.session.flush()
        return delivery
