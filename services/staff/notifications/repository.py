"""Every query on notification preferences and deliveries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

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
