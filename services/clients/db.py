"""Schema-bound metadata of the clients service: every table of it derives from the base below."""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import MetaData
from sqlmodel import SQLModel

from shared.db import schema_metadata

SCHEMA = "clients"


class ClientsTable(SQLModel):
    """Base of the service's tables: they live in schema ``clients``."""

    metadata: ClassVar[MetaData] = schema_metadata(SCHEMA)
