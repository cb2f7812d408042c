"""Schema-bound metadata of the clients service: every table of it derives from the base below."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from sqlalchemy import MetaData
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import schema_metadata

SCHEMA = "clients"


class ClientsTable(SQLModel):
    """Base of the service's tables: they live in schema ``clients``."""

    metadata: ClassVar[MetaData] = schema_metadata(SCHEMA)


_Record = TypeVar("_Record", bound=SQLModel)


class Repository:
    """Base of the service's repositories: one session, and ``add`` for any record."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, record: _Record) -> _Record:
        """Insert or update ``record`` in the caller's transaction and read it back (its id,
        version and server defaults)."""
        self.session.add(record)
        await self.session.flush()
        await self.session.refresh(record)
        return record
