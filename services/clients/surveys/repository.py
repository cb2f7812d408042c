"""Every query on satisfaction surveys."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.access import visible_accounts
from services.clients.db import Repository
from services.clients.org.repository import reporting_subtree_ids
from services.clients.surveys.models import SatisfactionSurvey
from services.clients.surveys.schemas import SurveyQuery

OwnerScope = Collection[int] | None


class SurveyRepository(Repository):
    """Queries for surveys, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self, survey_id: int, *, owner_ids: OwnerScope, for_update: bool = False
    ) -> SatisfactionSurvey | None:
        """A survey whose account is in the caller's scope."""
        query = select(SatisfactionSurvey).where(col(SatisfactionSurvey.id) == survey_id)
        if owner_ids is not None:
            query = query.where(visible_accounts(col(SatisfactionSurvey.account_id), owner_ids))
        if for_update:
            query = query.with_for_update(of=SatisfactionSurvey).execution_options(
                populate_existing=True
            )
        result = await self.session.exec(query)
        return result.first()

    async def for_period(self, account_id: int, period: str) -> SatisfactionSurvey | None:
        result = await self.session.exec(
            select(SatisfactionSurvey).where(
                col(SatisfactionSurvey.account_id) == account_id,
                col(SatisfactionSurvey.period) == period,
            )
        )
        return result.first()

    async def list(
        self, filters: SurveyQuery, *, owner_ids: OwnerScope, after_id: int | None, limit: int
    ) -> Sequence[SatisfactionSurvey]:
        """One keyset page by id of the surveys matching ``filters`` within the scope."""
        query = select(SatisfactionSurvey)
        conditions: list[Any] = []
        if owner_ids is not None:
            conditions.append(visible_accounts(col(SatisfactionSurvey.account_id), owner_ids))
        if filters.account_id is not None:
            conditions.append(col(SatisfactionSurvey.account_id) == filters.account_id)
        if filters.owner_ids:
            conditions.append(col(SatisfactionSurvey.owner_id).in_(filters.owner_ids))
        if filters.team_of is not None:
            conditions.append(
                col(SatisfactionSurvey.owner_id).in_(reporting_subtree_ids(filters.team_of))
            )
        if filters.period is not None:
            conditions.append(col(SatisfactionSurvey.period) == filters.period)
        if filters.surveyed_from is not None:
            conditions.append(col(SatisfactionSurvey.surveyed_on) >= filters.surveyed_from)
        if filters.surveyed_to is not None:
            conditions.append(col(SatisfactionSurvey.surveyed_on) <= filters.surveyed_to)
        if after_id is not None:
            conditions.append(col(SatisfactionSurvey.id) > after_id)
        result = await self.session.exec(
            query.where(*conditions).order_by(col(SatisfactionSurvey.id)).limit(limit)
        )
        return result.all()
