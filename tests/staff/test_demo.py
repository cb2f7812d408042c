"""The staff demo data: positions approved, people as employees 1..N in file order, once."""

import json
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from services.staff.catalogue.loader import load_catalogue, load_demo_people
from services.staff.demo import load_staff_demo
from shared.bootstrap import drop_database, prepare_database
from shared.dsn import asyncpg_dsn, sqlalchemy_url, with_credentials, with_database
from tests.settings import TestSettings


@pytest.fixture
async def fresh_database(test_settings: TestSettings) -> AsyncIterator[str]:
    url = with_database(test_settings.database_url, f"kam_test_staffdemo_{uuid.uuid4().hex[:8]}")
    await prepare_database(url, test_settings.role_prefix, services=("staff",))
    yield url
    await drop_database(url)


async def load(url: str, role_prefix: str) -> None:
    from sqlalchemy import pool
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlmodel.ext.asyncio.session import AsyncSession

    engine = create_async_engine(
        sqlalchemy_url(with_credentials(url, f"{role_prefix}staff", None)), poolclass=pool.NullPool
    )
    async with AsyncSession(engine, expire_on_commit=False) as session:
        await load_staff_demo(session)
        await session.commit()
    await engine.dispose()


async def test_demo_employees_are_1_to_n_and_load_once(
    fresh_database: str, test_settings: TestSettings
) -> None:
    catalogue = load_catalogue()
    people = load_demo_people(catalogue=catalogue).people
    await load(fresh_database, test_settings.role_prefix)
    await load(fresh_database, test_settings.role_prefix)
    conn = await asyncpg.connect(asyncpg_dsn(fresh_database))
    try:
        employees = await conn.fetch("SELECT id, employee_no FROM staff.employees ORDER BY id")
        approved = await conn.fetchval(
            "SELECT count(*) FROM staff.position_versions WHERE status = 'approved'"
        )
        events = await conn.fetchval("SELECT count(*) FROM staff.outbox")
        manager = await conn.fetchval(
            "SELECT reports_to_code FROM staff.position_versions v "
            "JOIN staff.positions p ON p.id = v.position_id WHERE p.code = 'KA-MGR'"
        )
        kam = await conn.fetchrow(
            "SELECT work_location, job_category, job_family, established_on, peer_codes, "
            "approver_code FROM staff.position_versions v "
            "JOIN staff.positions p ON p.id = v.position_id WHERE p.code = 'KA-DEV-LEAD'"
        )
    finally:
        await conn.close()
    assert [(r["id"], r["employee_no"]) for r in employees] == [
        (index + 1, person.employee_no) for index, person in enumerate(people)
    ]
    assert approved == len(catalogue.positions) + len(catalogue.external_positions)
    assert events == 2 * len(people)  # one org event per employee for clients and for kpi
    assert manager == "CO-VP-SALES"
    # the catalogue's KA-DEV-LEAD: approved 2026-03-06 by CO-VP-SALES; the other positions
    # reporting to KA-MGR are its peers (同僚), in catalogue order
    assert (kam["work_location"], kam["job_category"], kam["job_family"]) == (
        "公司总部",
        "管理类",
        "大客户销售",
    )
    assert str(kam["established_on"]) == "2026-03-06" and kam["approver_code"] == "CO-VP-SALES"
    assert json.loads(kam["peer_codes"]) == [
        "KA-PROD-LEAD",
        "KA-SVC-LEAD",
        "KA-DATA",
        "KA-APPR",
        "KA-CLERK",
    ]
