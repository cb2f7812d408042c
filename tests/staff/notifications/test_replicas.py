"""Two replicas' dispatchers over the same committed deliveries never send one twice."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.employees.models import Employee
from services.staff.inbox.models import WorkItem
from services.staff.notifications.dispatcher import ChannelDispatcher
from services.staff.notifications.models import Delivery, DeliveryStatus

NOW = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)


class SlowSender:
    """Records every send; slow enough that both replicas are busy at once."""

    def __init__(self) -> None:
        self.sent: Counter[uuid.UUID] = Counter()

    async def send(self, delivery: Delivery) -> None:
        self.sent[delivery.id] += 1
        await asyncio.sleep(0.005)


@pytest.fixture
async def committed(
    engines: dict[str, AsyncEngine],
) -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], list[uuid.UUID]]]:
    factory = async_sessionmaker(engines["staff"], class_=AsyncSession, expire_on_commit=False)
    suffix = uuid.uuid4().hex[:6].upper()
    async with factory() as session:
        person = Employee(employee_no=f"R{suffix}", name="副本测试", hire_date=date(2020, 1, 1))
        session.add(person)
        await session.flush()
        assert person.id is not None
        items = [
            WorkItem(
                source_service="test",
                source_key=f"replica:{suffix}:{n}",
                employee_id=person.id,
                kind="dunning_task",
                title="催收",
                record_path="/v1/clients/x",
            )
            for n in range(40)
        ]
        session.add_all(items)
        await session.flush()
        deliveries = [
            Delivery(
                id=uuid.uuid4(),
                work_item_id=i.id,
                dedupe_key=f"item:{i.id}:email",
                employee_id=person.id,
                channel="email",
                address="r@example.com",
                subject="s",
                body="b",
                next_attempt_at=NOW,
            )
            for i in items
        ]
        session.add_all(deliveries)
        await session.commit()
        person_id = person.id
    yield factory, [d.id for d in deliveries]
    async with factory() as session:
        connection = await session.connection()
        await connection.execute(delete(Delivery).where(col(Delivery.employee_id) == person_id))
        await connection.execute(delete(WorkItem).where(col(WorkItem.employee_id) == person_id))
        await connection.execute(delete(Employee).where(col(Employee.id) == person_id))
        await session.commit()


async def test_two_replicas_never_send_a_delivery_twice(
    committed: tuple[async_sessionmaker[AsyncSession], list[uuid.UUID]],
) -> None:
    factory, ids = committed
    sender = SlowSender()
    replicas = [
        ChannelDispatcher(factory, {"email": sender}, lambda: NOW, batch_size=100) for _ in range(2)
    ]
    runs = await asyncio.gather(*(r.deliver_once() for r in replicas))
    assert sum(run.sent for run in runs) == len(ids)
    assert all(run.sent > 0 for run in runs)  # both took part
    assert set(sender.sent) == set(ids)
    assert max(sender.sent.values()) == 1
    async with factory() as session:
        for delivery_id in ids:
            row = await session.get(Delivery, delivery_id)
            assert row is not None and row.status == DeliveryStatus.SENT.value
