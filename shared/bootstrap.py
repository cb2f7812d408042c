"""Prepare a database for the services: roles, schemas, migrations, and test databases.

Run with an administrator's URL (``DATABASE_URL``). Each service gets a login role that owns
its schema and nothing else, so one service cannot read another's tables; migrations run as
that role, so it owns its tables too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence

import asyncpg
import structlog
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import create_async_engine

from shared.dsn import asyncpg_dsn, database_name, sqlalchemy_url, with_credentials, with_database
from shared.migrations import SERVICES, upgrade_to_head

log = structlog.get_logger(__name__)


def quote_ident(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """Quote an SQL string literal (for DDL, which takes no parameters)."""
    return "'" + value.replace("'", "''") + "'"


async def ensure_database(admin_url: str) -> None:
    """Create the database the URL names when it does not exist yet."""
    name = database_name(admin_url)
    conn = await asyncpg.connect(asyncpg_dsn(with_database(admin_url, "postgres")))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await conn.execute(f"CREATE DATABASE {quote_ident(name)}")
            log.info("database_created", database=name)
    finally:
        await conn.close()


async def drop_database(admin_url: str) -> None:
    """Drop the database the URL names, closing its connections first."""
    name = database_name(admin_url)
    conn = await asyncpg.connect(asyncpg_dsn(with_database(admin_url, "postgres")))
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)")
    finally:
        await conn.close()


async def ensure_login_role(
    conn: asyncpg.Connection, role: str, password: str | None = None
) -> None:
    """Create a login role when missing (roles belong to the server, not one database)."""
    exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
    if not exists:
        # Another process may create it between the check and here.
        with contextlib.suppress(asyncpg.DuplicateObjectError, asyncpg.UniqueViolationError):
            await conn.execute(f"CREATE ROLE {quote_ident(role)} LOGIN")
    if password:
        await conn.execute(f"ALTER ROLE {quote_ident(role)} PASSWORD {quote_literal(password)}")


async def ensure_roles_and_schemas(
    admin_url: str,
    role_prefix: str,
    passwords: Mapping[str, str | None] | None = None,
    services: Sequence[str] = SERVICES,
) -> None:
    """One login role per service, owning a schema of the service's name."""
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        # Trigram indexes (clients' account search); an extension is the administrator's
        # to create, the services' roles only use it (public schema, on their search path).
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
        for service in services:
            role = f"{role_prefix}{service}"
            await ensure_login_role(conn, role, (passwords or {}).get(service))
            await conn.execute(
                f"CREATE SCHEMA IF NOT EXISTS {quote_ident(service)} "
                f"AUTHORIZATION {quote_ident(role)}"
            )
            await conn.execute(f"ALTER SCHEMA {quote_ident(service)} OWNER TO {quote_ident(role)}")
            await conn.execute(f"REVOKE ALL ON SCHEMA {quote_ident(service)} FROM PUBLIC")
    finally:
        await conn.close()


async def migrate_service(admin_url: str, role: str, password: str | None, service: str) -> None:
    """Upgrade one service's schema to head, connected as the service's own role."""
    url = with_credentials(admin_url, role, password)
    engine = create_async_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    try:
        async with engine.begin() as conn:
            await upgrade_to_head(conn, service)
    finally:
        await engine.dispose()
    log.info("migrated", service=service)


async def prepare_database(
    admin_url: str,
    role_prefix: str = "kam_",
    passwords: Mapping[str, str | None] | None = None,
    services: Sequence[str] = SERVICES,
) -> None:
    """Everything a fresh or existing database needs before the services start."""
    await ensure_database(admin_url)
    await ensure_roles_and_schemas(admin_url, role_prefix, passwords, services)
    for service in services:
        await migrate_service(
            admin_url, f"{role_prefix}{service}", (passwords or {}).get(service), service
        )
