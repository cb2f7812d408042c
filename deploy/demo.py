"""The demo data set: each service loads its own part, idempotently, as its own role."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from sqlalchemy import pool
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.demo import load_clients_demo
from services.kpi.demo import load_kpi_demo
from services.staff.catalogue.loader import load_catalogue
from services.staff.demo import load_staff_demo
from services.staff.identity.demo import load_identity_demo
from shared.dsn import sqlalchemy_url, with_credentials

Loader = Callable[[AsyncSession], Awaitable[None]]


class CatalogueDuties:
    """The duties of the demo's approved descriptions: staff loads them from its catalogue,
    so kpi's demo templates are checked against the same file (no staff process runs yet)."""

    async def approved_duties(self, position_code: str) -> dict[str, int] | None:
        for position in load_catalogue().positions:
            if position.code == position_code:
                return {duty.statement: duty.importance for duty in position.duties}
        return None


LOADERS: tuple[tuple[str, Loader], ...] = (
    ("staff", load_staff_demo),
    ("staff", load_identity_demo),
    ("clients", load_clients_demo),
    ("kpi", partial(load_kpi_demo, duties=CatalogueDuties())),
)


async def load_demo_data(admin_url: str, role_prefix: str = "kam_") -> None:
    """Load every service's demo data; a second run changes nothing."""
    for service, loader in LOADERS:
        url = with_credentials(admin_url, f"{role_prefix}{service}", None)
        engine = create_async_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
        try:
            async with AsyncSession(engine, expire_on_commit=False) as session:
                await loader(session)
                await session.commit()
        finally:
            await engine.dispose()
