"""Database chores: ``prepare`` (roles, schemas, migrations) and ``revision`` (autogenerate).

python -m deploy.dbctl prepare
python -m deploy.dbctl revision staff "create positions"
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from alembic import command
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from services.clients.settings import ClientsSettings
from services.kpi.settings import KpiSettings
from services.staff.settings import StaffSettings
from shared.bootstrap import prepare_database
from shared.dsn import sqlalchemy_url, with_credentials
from shared.migrations import SERVICES, alembic_config
from shared.settings import BaseServiceSettings, ServiceSettings

SERVICE_SETTINGS: dict[str, type[ServiceSettings]] = {
    "clients": ClientsSettings,
    "staff": StaffSettings,
    "kpi": KpiSettings,
}


def _autogenerate(connection: Connection, service: str, message: str) -> None:
    config = alembic_config(service)
    config.attributes["connection"] = connection
    command.revision(config, message=message, autogenerate=True)


async def make_revision(settings: BaseServiceSettings, service: str, message: str) -> None:
    """Write a new migration for ``service`` from the difference between models and database."""
    await prepare_database(settings.database_url, settings.db_role_prefix)
    url = with_credentials(settings.database_url, f"{settings.db_role_prefix}{service}", None)
    engine = create_async_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    async with engine.begin() as conn:
        await conn.run_sync(_autogenerate, service, message)
    await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.dbctl")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("prepare", help="create roles and schemas, run every migration")
    revision = sub.add_parser("revision", help="autogenerate a migration for one service")
    revision.add_argument("service", choices=SERVICES)
    revision.add_argument("message")
    args = parser.parse_args(argv)
    settings = BaseServiceSettings()
    if args.command == "prepare":
        passwords = {name: cls().db_password or None for name, cls in SERVICE_SETTINGS.items()}
        asyncio.run(prepare_database(settings.database_url, settings.db_role_prefix, passwords))
    else:
        asyncio.run(make_revision(settings, args.service, args.message))
    return 0


if __name__ == "__main__":
    sys.exit(main())
