"""Every query of the competitor register (a directory: no account scope)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select

from services.clients.competitors.models import Competitor
from services.clients.db import Repository


class CompetitorRepository(Repository):
    async def get(self, competitor_id: int, *, for_update: bool = False) -> Competitor | None:
        query = select(Competitor).where(col(Competitor.id) == competitor_id)
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.exec(query)).first()

    async def get_by_name(self, name: str) -> Competitor | None:
        query = select(Competitor).where(col(Competitor.name) == name)
        return (await self.session.exec(query)).first()

    async def list(
        self, *, active: bool | None, text: str | None, after_id: int | None, limit: int
    ) -> Sequence[Competitor]:
        query = select(Competitor)
        if active is not None:
            query = query.where(col(Competitor.active) == active)
        if text:
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(col(Competitor.name).ilike(f"%{escaped}%", escape="\\"))
        if after_id is not None:
            query = query.where(col(Competitor.id) > after_id)
        return (await self.session.exec(query.order_by(col(Competitor.id)).limit(limit))).all()
