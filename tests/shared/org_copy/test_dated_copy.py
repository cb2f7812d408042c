"""The org copy, one implementation bound to clients and kpi: current state plus dated
periods, so a rule can ask who reported to whom at a date."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.org.repository import OrgRepository as ClientsOrgRepository
from services.clients.org.service import OrgService as ClientsOrgService
from services.kpi.org.repository import OrgRepository as KpiOrgRepository
from services.kpi.org.service import OrgService as KpiOrgService
from shared.errors import NotFound
from shared.org_copy.service import OrgCopyService
from shared.org_events import OrgEmployeeEvent

SERVICES = ("clients", "kpi")


def event(employee_id: int, version: int, manager_id: int | None, **extra: Any) -> OrgEmployeeEvent:
    return OrgEmployeeEvent.model_validate(
        {
            "event_id": str(uuid.uuid4()),
            "employee_id": employee_id,
            "employee_no": f"E{employee_id}",
            "name": f"员工{employee_id}",
            "department_id": extra.pop("department_id", 10),
            "manager_id": manager_id,
            "status": extra.pop("status", "active"),
            "version": version,
            **extra,
        }
    )


@pytest.fixture(params=SERVICES)
async def org(
    request: pytest.FixtureRequest, engines: dict[str, AsyncEngine]
) -> AsyncIterator[tuple[OrgCopyService[Any, Any], AsyncSession]]:
    service: str = request.param
    async with engines[service].connect() as connection:
        transaction = await connection.begin()
        session = AsyncSession(bind=connection, expire_on_commit=False)
        copy: OrgCopyService[Any, Any] = (
            ClientsOrgService(ClientsOrgRepository(session))
            if service == "clients"
            else KpiOrgService(KpiOrgRepository(session))
        )
        yield copy, session
        await session.close()
        await transaction.rollback()


async def database_now(session: AsyncSession) -> datetime:
    moment = (await session.exec(text("SELECT clock_timestamp()"))).scalar_one()  # type: ignore[call-overload]
    assert isinstance(moment, datetime)
    return moment


async def test_a_move_is_dated_and_the_past_still_answers(
    org: tuple[OrgCopyService[Any, Any], AsyncSession],
) -> None:
    copy, session = org
    await copy.apply_events([event(9001, 1, None), event(9002, 1, None), event(9010, 1, 9001)])
    before_move = await database_now(session)
    moved = await copy.apply_events([event(9010, 2, 9002, department_id=20)])
    after_move = await database_now(session)
    assert moved.applied == 1

    assert (await copy.get(9010)).manager_id == 9002
    assert (await copy.state_at(9010, before_move)).manager_id == 9001
    assert (await copy.state_at(9010, before_move)).department_id == 10
    assert (await copy.state_at(9010, after_move)).department_id == 20
    assert await copy.reporting_subtree_at(9001, before_move) == [9001, 9010]
    assert await copy.reporting_subtree_at(9001, after_move) == [9001]
    assert await copy.reporting_subtree(9002) == [9002, 9010]
    assert await copy.manager_chain_at(9010, before_move) == [9001]
    assert await copy.manager_chain_at(9010, after_move) == [9002]


async def test_before_the_copy_knew_someone_there_is_no_state(
    org: tuple[OrgCopyService[Any, Any], AsyncSession],
) -> None:
    copy, session = org
    earlier = await database_now(session)
    await copy.apply_events([event(9101, 1, None)])
    with pytest.raises(NotFound):
        await copy.state_at(9101, earlier)


async def test_periods_tile_time_and_a_repeat_opens_none(
    org: tuple[OrgCopyService[Any, Any], AsyncSession],
) -> None:
    copy, session = org
    for version, manager in ((1, None), (2, 9201), (2, 9201), (1, 9299), (3, 9202)):
        await copy.apply_events([event(9210, version, manager)])
    period = copy.repository.period
    rows = (
        await session.exec(
            select(period).where(col(period.employee_id) == 9210).order_by(col(period.valid_from))
        )
    ).all()
    assert [row.version for row in rows] == [1, 2, 3]
    assert [row.valid_to for row in rows[:-1]] == [row.valid_from for row in rows[1:]]
    assert rows[-1].valid_to is None
    current = await copy.get(9210)
    assert (current.version, current.valid_from) == (3, rows[-1].valid_from)
