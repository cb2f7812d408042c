"""Schema-bound metadata of the kpi service: every table of it derives from the base below."""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import MetaData
from sqlmodel import SQLModel

from shared.db import schema_metadata

SCHEMA = "kpi"


class KpiTable(SQLModel):
    """Base of the service's tables: they live in schema ``kpi``."""

    metadata: ClassVar[MetaData] = schema_metadata(SCHEMA)
