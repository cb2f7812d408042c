"""Each service's role reaches its own schema and nothing else; migrations are at head."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.migrations import current_revision, head_revision

OTHER_TABLES = {
    "clients": ("staff.departments", "kpi.indicators"),
    "staff": ("clients.accounts", "kpi.indicators"),
    "kpi": ("clients.accounts", "staff.departments"),
}
OWN_TABLE = {"clients": "clients.accounts", "staff": "staff.departments", "kpi": "kpi.indicators"}


@pytest.mark.parametrize("service", ["clients", "staff", "kpi"])
async def test_role_reads_its_own_schema(engines: dict[str, AsyncEngine], service: str) -> None:
    async with engines[service].connect() as conn:
        count = (await conn.execute(text(f"SELECT count(*) FROM {OWN_TABLE[service]}"))).scalar()
    assert count is not None


@pytest.mark.parametrize("service", ["clients", "staff", "kpi"])
async def test_role_cannot_read_another_schema(
    engines: dict[str, AsyncEngine], service: str
) -> None:
    for table in OTHER_TABLES[service]:
        async with engines[service].connect() as conn:
            with pytest.raises(ProgrammingError, match="permission denied"):
                await conn.execute(text(f"SELECT 1 FROM {table}"))


@pytest.mark.parametrize("service", ["clients", "staff", "kpi"])
async def test_schema_is_at_head(engines: dict[str, AsyncEngine], service: str) -> None:
    async with engines[service].connect() as conn:
        assert await current_revision(conn, service) == head_revision(service)
