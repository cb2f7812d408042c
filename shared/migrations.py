"""Alembic, one history per service, version table inside the service's own schema.

``env.py`` of each service calls :func:`run_env`. Programmatic upgrades
(:func:`upgrade_to_head`) hand Alembic an open async connection, so they work from inside
a running event loop (the runner, the test session).
"""

from __future__ import annotations

import asyncio
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlmodel.sql.sqltypes import AutoString

from shared.dsn import sqlalchemy_url

SERVICES = ("staff", "clients", "kpi")
VERSION_TABLE = "alembic_version"


def script_location(service: str) -> Path:
    """The folder holding ``env.py`` and ``versions/`` of a service."""
    return Path(str(resources.files(f"services.{service}"))) / "migrations"


def alembic_config(service: str, url: str | None = None) -> Config:
    """An Alembic config for one service, without an ini file."""
    config = Config()
    config.set_main_option("script_location", str(script_location(service)))
    config.set_main_option(
        "file_template",
        "%%(year)d-%%(month).2d-%%(day).2d-%%(hour).2d%%(minute).2d_%%(slug)s",
    )
    config.attributes["service"] = service
    if url:
        config.set_main_option("sqlalchemy.url", sqlalchemy_url(url))
    return config


def head_revision(service: str) -> str | None:
    """The newest revision of a service's migration history."""
    return ScriptDirectory.from_config(alembic_config(service)).get_current_head()


def older_revisions(service: str) -> frozenset[str]:
    """Every revision of a service's history below its head (what "behind" means)."""
    script = ScriptDirectory.from_config(alembic_config(service))
    head = script.get_current_head()
    if head is None:
        return frozenset()
    return frozenset(r.revision for r in script.iterate_revisions(head, "base")) - {head}


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render SQLModel's AutoString as a plain ``sa.String`` so migrations need no sqlmodel."""
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


def _configure_and_run(connection: Connection, metadata: MetaData, schema: str) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_item=_render_item,
        version_table_schema=schema,
        version_table=VERSION_TABLE,
        # Reflect only this service's schema, so autogenerate sees what already exists.
        include_schemas=True,
        include_name=lambda name, type_, parent: type_ != "schema" or name == schema,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_env(metadata: MetaData, schema: str) -> None:
    """Body of every service's ``env.py``: use a passed connection, or open one from the URL."""
    if context.is_offline_mode():
        context.configure(
            url=context.config.get_main_option("sqlalchemy.url"),
            target_metadata=metadata,
            version_table_schema=schema,
            literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection, metadata, schema)
        return

    async def run_with_own_engine() -> None:
        url = context.config.get_main_option("sqlalchemy.url")
        assert url, "sqlalchemy.url is not set"
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.begin() as conn:
            await conn.run_sync(_configure_and_run, metadata, schema)
        await engine.dispose()

    asyncio.run(run_with_own_engine())


def _upgrade(connection: Connection, service: str, revision: str) -> None:
    config = alembic_config(service)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _downgrade(connection: Connection, service: str, revision: str) -> None:
    config = alembic_config(service)
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


async def upgrade_to_head(conn: AsyncConnection, service: str) -> None:
    """Run a service's migrations on an open connection (commits with the caller's block)."""
    await conn.run_sync(_upgrade, service, "head")


async def downgrade_to(conn: AsyncConnection, service: str, revision: str) -> None:
    """Downgrade a service's schema (``base`` removes everything)."""
    await conn.run_sync(_downgrade, service, revision)


def _current(connection: Connection, schema: str) -> str | None:
    migration = MigrationContext.configure(
        connection, opts={"version_table_schema": schema, "version_table": VERSION_TABLE}
    )
    return migration.get_current_revision()


async def current_revision(conn: AsyncConnection, schema: str) -> str | None:
    """The revision a schema is at (None before the first migration)."""
    return await conn.run_sync(_current, schema)
