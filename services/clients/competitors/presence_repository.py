"""Every query on competitor presences and the win/loss report; the scope is the account
(``access.visible_accounts``). Opportunities are read by table name, so this domain
needs nothing of the opportunities domain (which names its winning competitor)."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, cast, column, func, table
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.access import visible_accounts
from services.clients.competitors.models import Competitor
from services.clients.competitors.presence_models import CompetitorPresence
from services.clients.db import SCHEMA, Repository

OwnerScope = Collection[int] | None

_OPPORTUNITIES = table(
    "opportunities",
    column("id"),
    column("account_id"),
    column("status"),
    column("amount"),
    column("currency"),
    column("closed_at"),
    column("lost_to_competitor_id"),
    schema=SCHEMA,
)

# (competitor id, currency) → (opportunities, amount)
Tally = dict[tuple[int, str], tuple[int, Decimal]]


class CompetitorPresenceRepository(Repository):
    """Queries for competitor presences, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def opportunity_account(self, opportunity_id: int, owner_ids: OwnerScope) -> int | None:
        """The account of an opportunity the caller sees (None: missing or out of scope)."""
        o = _OPPORTUNITIES.c
        query = sa_select(o.account_id).where(
            o.id == opportunity_id, visible_accounts(o.account_id, owner_ids)
        )
        return (await (await self.session.connection()).execute(query)).scalar_one_or_none()

    async def competitor(self, competitor_id: int) -> Competitor | None:
        return await self.session.get(Competitor, competitor_id)

    async def competitor_names(self, competitor_ids: Collection[int]) -> dict[int, str]:
        if not competitor_ids:
            return {}
        rows = await self.session.exec(
            select(Competitor.id, Competitor.name).where(
                col(Competitor.id).in_(list(competitor_ids))
            )
        )
        return {int(cid): name for cid, name in rows.all() if cid is not None}

    async def get(
        self, presence_id: int, owner_ids: OwnerScope, *, for_update: bool = False
    ) -> CompetitorPresence | None:
        query = select(CompetitorPresence).where(
            col(CompetitorPresence.id) == presence_id,
            visible_accounts(col(CompetitorPresence.account_id), owner_ids),
        )
        if for_update:
            query = query.with_for_update(of=CompetitorPresence).execution_options(
                populate_existing=True
            )
        return (await self.session.exec(query)).first()

    async def list(
        self,
        *,
        account_id: int | None,
        opportunity_id: int | None,
        competitor_id: int | None,
        before_id: int | None,
        limit: int,
    ) -> Sequence[CompetitorPresence]:
        """Newest first (the caller has checked the account or opportunity is in scope)."""
        query = select(CompetitorPresence).order_by(col(CompetitorPresence.id).desc()).limit(limit)
        if account_id is not None:
            query = query.where(col(CompetitorPresence.account_id) == account_id)
        if opportunity_id is not None:
            query = query.where(col(CompetitorPresence.opportunity_id) == opportunity_id)
        if competitor_id is not None:
            query = query.where(col(CompetitorPresence.competitor_id) == competitor_id)
        if before_id is not None:
            query = query.where(col(CompetitorPresence.id) < before_id)
        return (await self.session.exec(query)).all()

    def _closed_in(
        self, owner_ids: OwnerScope, status: str, zone: str, start: date | None, end: date | None
    ) -> builtins.list[Any]:
        o = _OPPORTUNITIES.c
        conditions: builtins.list[Any] = [
            o.status == status,
            visible_accounts(o.account_id, owner_ids),
        ]
        day = cast(func.timezone(zone, o.closed_at), Date)
        if start is not None:
            conditions.append(day >= start)
        if end is not None:
            conditions.append(day <= end)
        return conditions

    async def lost_to(
        self, owner_ids: OwnerScope, zone: str, start: date | None, end: date | None
    ) -> Tally:
        """Lost opportunities per winning competitor and currency."""
        o = _OPPORTUNITIES.c
        query = (
            sa_select(o.lost_to_competitor_id, o.currency, func.count(), func.sum(o.amount))
            .where(
                o.lost_to_competitor_id.is_not(None),
                *self._closed_in(owner_ids, "lost", zone, start, end),
            )
            .group_by(o.lost_to_competitor_id, o.currency)
        )
        rows = (await (await self.session.connection()).execute(query)).all()
        return {(int(c), str(cur)): (int(n), Decimal(total)) for c, cur, n, total in rows}

    async def won_against(
        self, owner_ids: OwnerScope, zone: str, start: date | None, end: date | None
    ) -> Tally:
        """Won opportunities per competitor recorded present in them, and currency (an
        opportunity counts once per competitor however many observations name it)."""
        o = _OPPORTUNITIES.c
        present = (
            sa_select(
                col(CompetitorPresence.competitor_id).label("competitor_id"),
                col(CompetitorPresence.opportunity_id).label("opportunity_id"),
            )
            .where(col(CompetitorPresence.opportunity_id).is_not(None))
            .distinct()
            .subquery()
        )
        query = (
            sa_select(present.c.competitor_id, o.currency, func.count(), func.sum(o.amount))
            .select_from(present.join(_OPPORTUNITIES, o.id == present.c.opportunity_id))
            .where(*self._closed_in(owner_ids, "won", zone, start, end))
            .group_by(present.c.competitor_id, o.currency)
        )
        rows = (await (await self.session.connection()).execute(query)).all()
        return {(int(c), str(cur)): (int(n), Decimal(total)) for c, cur, n, total in rows}
