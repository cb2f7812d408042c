"""Schema-bound metadata of the clients service: every table of it derives from the base below."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, TypeVar

from sqlalchemy import MetaData
from sqlmodel import SQLModel, col, select
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

    async def account_history(
        self, model: type[_Record], account_id: int, *, before_id: int | None, limit: int
    ) -> Sequence[_Record]:
        """The records of ``model`` (a table with ``id`` and ``account_id``) under one
        account, newest first, ``limit`` at a time below the cursor ``before_id``."""
        table: Any = model
        query = (
            select(model)
            .where(col(table.account_id) == account_id)
            .order_by(col(table.id).desc())
            .limit(limit)
        )
        if before_id is not None:
            query = query.where(col(table.id) < before_id)
        return (await self.session.exec(query)).all()
