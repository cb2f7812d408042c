"""The migrations create exactly what the models describe (no drift either way)."""

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine


def metadata_of(service: str) -> Any:
    import importlib

    importlib.import_module(f"services.{service}.models_registry").import_all()
    base = {"clients": "ClientsTable", "staff": "StaffTable", "kpi": "KpiTable"}[service]
    return getattr(importlib.import_module(f"services.{service}.db"), base).metadata


def differences(connection: Connection, service: str) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={
            "include_schemas": True,
            "include_name": lambda name, type_, parent: type_ != "schema" or name == service,
            "compare_type": True,
            "version_table_schema": service,
        },
    )
    return [
        d
        for d in compare_metadata(context, metadata_of(service))
        if "alembic_version" not in str(d)
    ]


@pytest.mark.parametrize("service", ["clients", "staff", "kpi"])
async def test_no_drift(engines: dict[str, AsyncEngine], service: str) -> None:
    async with engines[service].connect() as connection:
        found = await connection.run_sync(differences, service)
    assert found == []
