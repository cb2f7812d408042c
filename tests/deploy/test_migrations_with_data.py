"""Every service's migrations go down and back up on a database holding the demo data,
and end where the models are (issue 10).

Going down necessarily loses data: a downgrade drops the tables (and columns) its upgrade
created, with their rows. What must hold is that nothing else is lost, that every step
runs with rows present, and that upgrading again gives exactly the models' schema.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import delete, pool
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from deploy.backup import verify
from deploy.demo import load_demo_data
from services.clients.accounts.models import Account
from services.clients.receivables.models import Payment
from shared.bootstrap import drop_database, prepare_database
from shared.dsn import sqlalchemy_url, with_credentials, with_database
from shared.migrations import SERVICES, alembic_config, current_revision, head_revision
from tests.settings import TestSettings
from tests.shared.test_migrations_match_models import differences


@pytest.fixture
async def demo_database(test_settings: TestSettings) -> AsyncIterator[str]:
    """A fresh database at head with the demo data set loaded."""
    url = with_database(test_settings.database_url, f"kam_test_migr_{uuid.uuid4().hex[:8]}")
    await prepare_database(url, test_settings.role_prefix)
    await load_demo_data(url, test_settings.role_prefix)
    yield url
    await drop_database(url)


def _migrate(connection: Connection, service: str, direction: str, revision: str) -> None:
    config = alembic_config(service)
    config.attributes["connection"] = connection
    getattr(command, direction)(config, revision)


class ServiceSchema:
    """One service's schema, migrated as the service's own role (as ``dbctl`` does)."""

    def __init__(self, admin_url: str, service: str, role_prefix: str) -> None:
        self.admin_url = admin_url
        self.service = service
        role_url = with_credentials(admin_url, f"{role_prefix}{service}", None)
        self.engine: AsyncEngine = create_async_engine(
            sqlalchemy_url(role_url), poolclass=pool.NullPool
        )

    async def upgrade(self, revision: str) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(_migrate, self.service, "upgrade", revision)

    async def downgrade(self, revision: str) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(_migrate, self.service, "downgrade", revision)

    async def revision(self) -> str | None:
        async with self.engine.connect() as conn:
            return await current_revision(conn, self.service)

    async def drift(self) -> list[object]:
        async with self.engine.connect() as conn:
            return await conn.run_sync(differences, self.service)

    async def row_counts(self) -> dict[str, int]:
        counts = (await verify(self.admin_url)).row_counts
        return {t: n for t, n in counts.items() if t.startswith(f"{self.service}.")}


ALLOW_WRITE_OFFS = "5d0c1a7e2b08"


async def write_off_blocks_its_downgrade(schema: ServiceSchema) -> None:
    """While a write-off exists, undoing ``allow_write_offs`` fails instead of deleting it
    (that would reopen settled receivables); once it is gone, the downgrade goes through."""
    async with AsyncSession(schema.engine, expire_on_commit=False) as session:
        account = (await session.exec(select(Account).limit(1))).one()
        assert account.id is not None
        session.add(Payment(
            erp_ref=f"WO-{uuid.uuid4().hex[:8]}", account_id=account.id, amount=Decimal("10.00"),
            currency="CNY", received_on=date.today(), source="write_off",
            unallocated_amount=Decimal(0), owner_id=account.owner_id,
        ))  # fmt: skip
        await session.commit()
    head = head_revision("clients")
    await schema.downgrade(ALLOW_WRITE_OFFS)  # the later revisions go down with data
    below = dict(steps_newest_first("clients"))[ALLOW_WRITE_OFFS]
    with pytest.raises(IntegrityError, match="ck_payments_source_known"):
        await schema.downgrade(below)
    assert await schema.revision() == ALLOW_WRITE_OFFS
    await schema.upgrade(str(head))
    async with schema.engine.begin() as conn:
        await conn.execute(delete(Payment).where(col(Payment.source) == "write_off"))


def steps_newest_first(service: str) -> list[tuple[str, str]]:
    """(revision, the one below it or ``base``) from head down."""
    script = ScriptDirectory.from_config(alembic_config(service))
    return [(r.revision, str(r.down_revision or "base")) for r in script.walk_revisions()]


async def test_down_to_base_and_back_to_head(
    demo_database: str, test_settings: TestSettings
) -> None:
    for service in SERVICES:
        schema = ServiceSchema(demo_database, service, test_settings.role_prefix)
        try:
            assert sum((await schema.row_counts()).values()) > 0, f"no {service} demo data"
            if service == "clients":
                await write_off_blocks_its_downgrade(schema)
            await schema.downgrade("base")
            assert await schema.revision() is None
            assert await schema.row_counts() == {}, "base still has tables"
            await schema.upgrade("head")
            assert await schema.revision() == head_revision(service)
            assert await schema.drift() == []
            await schema.upgrade("head")  # a second upgrade is a no-op
            assert await schema.revision() == head_revision(service)
            assert await schema.drift() == []
        finally:
            await schema.engine.dispose()


async def test_each_step_down_and_up_keeps_other_rows(
    demo_database: str, test_settings: TestSettings
) -> None:
    """From head down: each revision is undone, redone and undone again with the rows of
    the tables below it present; the rows of every table that survives stay."""
    for service in SERVICES:
        schema = ServiceSchema(demo_database, service, test_settings.role_prefix)
        try:
            for revision, below in steps_newest_first(service):
                before = await schema.row_counts()
                await schema.downgrade(below)
                after_down = await schema.row_counts()
                await schema.upgrade(revision)
                assert await schema.revision() == revision
                after_up = await schema.row_counts()
                kept = {t: before[t] for t in after_down}
                assert after_down == kept, f"{revision} down lost rows of other tables"
                assert {t: after_up[t] for t in after_down} == kept, f"{revision} up lost rows"
                await schema.downgrade(below)
            await schema.upgrade("head")
            assert await schema.drift() == []
        finally:
            await schema.engine.dispose()
