"""Every query on bids; the scope is the opportunity's account
(``access.visible_accounts`` on ``Bid.account_id``)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.access import visible_accounts
from services.clients.bids.models import Bid
from services.clients.db import Repository
from services.clients.opportunities.models import Opportunity

OwnerScope = Collection[int] | None


class BidRepository(Repository):
    """Queries for bids, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def opportunity(self, opportunity_id: int, owner_ids: OwnerScope) -> Opportunity | None:
        query = select(Opportunity).where(
            col(Opportunity.id) == opportunity_id,
            visible_accounts(col(Opportunity.account_id), owner_ids),
        )
        return (await self.session.exec(query)).first()

    async def get(
        self, bid_id: int, owner_ids: OwnerScope, *, for_update: bool = False
    ) -> Bid | None:
        query = select(Bid).where(
            col(Bid.id) == bid_id, visible_accounts(col(Bid.account_id), owner_ids)
        )
        if for_update:
            query = query.with_for_update(of=Bid).execution_options(populate_existing=True)
        return (await self.session.exec(query)).first()

    async def list(
        self,
        owner_ids: OwnerScope,
        *,
        opportunity_id: int | None,
        owner_id: int | None,
        open_only: bool,
        before_id: int | None,
        limit: int,
    ) -> Sequence[Bid]:
        """Newest first."""
        query = (
            select(Bid)
            .where(visible_accounts(col(Bid.account_id), owner_ids))
            .order_by(col(Bid.id).desc())
            .limit(limit)
        )
        if opportunity_id is not None:
            query = query.where(col(Bid.opportunity_id) == opportunity_id)
        if owner_id is not None:
            query = query.where(col(Bid.owner_id) == owner_id)
        if open_only:
            query = query.where(col(Bid.result).is_(None))
        if before_id is not None:
            query = query.where(col(Bid.id) < before_id)
        return (await self.session.exec(query)).all()

    async def with_deadlines_between(
        self, owner_ids: OwnerScope, start: datetime, end: datetime, *, limit: int
    ) -> Sequence[Bid]:
        """Undecided bids with a questions, submission or opening time in [start, end]."""

        query = (
            select(Bid)
            .where(
                visible_accounts(col(Bid.account_id), owner_ids),
                col(Bid.result).is_(None),
                or_(
                    col(Bid.questions_deadline).between(start, end),
                    col(Bid.submission_deadline).between(start, end),
                    col(Bid.opening_at).between(start, end),
                ),
            )
            .order_by(col(Bid.submission_deadline), col(Bid.id))
            .limit(limit)
        )
        return (await self.session.exec(query)).all()
