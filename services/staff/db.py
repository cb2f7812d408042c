"""Schema-bound metadata of the staff service: every table of it derives from the base below."""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import MetaData
from sqlmodel import SQLModel

from shared.db import schema_metadata

SCHEMA = "staff"


class StaffTable(SQLModel):
    """Base of the service's tables: they live in schema ``staff``."""

    metadata: ClassVar[MetaData] = schema_metadata(SCHEMA)
