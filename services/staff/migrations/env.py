"""Alembic environment of the staff service (its own schema and version table)."""

from services.staff import models_registry
from services.staff.db import SCHEMA, StaffTable
from shared.migrations import run_env

models_registry.import_all()
run_env(StaffTable.metadata, SCHEMA)
