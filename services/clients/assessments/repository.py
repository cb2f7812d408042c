"""Every query on assessments."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.access import visible_accounts
from services.clients.assessments.models import Assessment
from services.clients.assessments.schemas import AssessmentQuery
from services.clients.db import Repository


class AssessmentRepository(Repository):
    """Queries for assessments, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self, assessment_id: int, *, owner_ids: Collection[int] | None
    ) -> Assessment | None:
        query = select(Assessment).where(col(Assessment.id) == assessment_id)
        if owner_ids is not None:
            query = query.where(visible_accounts(col(Assessment.account_id), owner_ids))
        result = await self.session.exec(query)
        return result.first()

    async def list(
        self, filters: AssessmentQuery, *, after_id: int | None, limit: int
    ) -> Sequence[Assessment]:
        query = select(Assessment)
        if filters.account_id is not None:
            query = query.where(col(Assessment.account_id) == filters.account_id)
        if filters.kind is not None:
            query = query.where(col(Assessment.kind) == filters.kind)
        if filters.assessed_from is not None:
            query = query.where(col(Assessment.assessed_on) >= filters.assessed_from)
        if filters.assessed_to is not None:
            query = query.where(col(Assessment.assessed_on) <= filters.assessed_to)
        if after_id is not None:
            query = query.where(col(Assessment.id) > after_id)
        result = await self.session.exec(query.order_by(col(Assessment.id)).limit(limit))
        return result.all()
