"""Create the first administrator: ``python -m services.staff.identity.bootstrap_admin``.

The password comes from ``KAM_BOOTSTRAP_ADMIN_PASSWORD`` or a prompt; there is no default.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.identity.repository import IdentityRepository
from services.staff.identity.schemas import UserCreate
from services.staff.identity.service import IdentityService
from services.staff.settings import StaffSettings
from shared.auth.principal import Role
from shared.auth.tokens import SigningKey
from shared.dsn import sqlalchemy_url
from shared.errors import Conflict


class BootstrapSettings(BaseSettings):
    """Where the first administrator's password may come from."""

    model_config = SettingsConfigDict(extra="ignore")

    password: str | None = Field(default=None, validation_alias="KAM_BOOTSTRAP_ADMIN_PASSWORD")


async def create_admin(url: str, login: str, password: str) -> int:
    """Create the administrator login; the id of the new user."""
    engine = create_async_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            service = IdentityService(
                IdentityRepository(session), SigningKey.generate(), access_seconds=1, refresh_days=1
            )
            user = await service.create_user(
                UserCreate(login=login, password=password, roles=[Role.ADMIN])
            )
            await session.commit()
            assert user.id is not None
            return user.id
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.staff.identity.bootstrap_admin")
    parser.add_argument("--login", default="admin")
    args = parser.parse_args(argv)
    password = BootstrapSettings().password or getpass.getpass("Password for the new admin: ")
    try:
        UserCreate(login=args.login, password=password, roles=[Role.ADMIN])
    except ValueError as exc:
        sys.stderr.write(f"refused: {exc}\n")
        return 2
    try:
        user_id = asyncio.run(
            create_admin(StaffSettings().service_database_url(), args.login, password)
        )
    except Conflict as exc:
        sys.stderr.write(f"refused: {exc.detail}\n")
        return 1
    sys.stdout.write(f"created administrator {args.login} (user {user_id})\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
