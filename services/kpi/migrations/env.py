"""Alembic environment of the kpi service (its own schema and version table)."""

from services.kpi import models_registry
from services.kpi.db import SCHEMA, KpiTable
from shared.migrations import run_env

models_registry.import_all()
run_env(KpiTable.metadata, SCHEMA)
