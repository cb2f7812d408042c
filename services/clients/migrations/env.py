"""Alembic environment of the clients service (its own schema and version table)."""

from services.clients import models_registry
from services.clients.db import SCHEMA, ClientsTable
from shared.migrations import run_env

models_registry.import_all()
run_env(ClientsTable.metadata, SCHEMA)
