"""Every query on quotations; the scope is the opportunity's account
(``access.visible_accounts`` on ``Quotation.account_id``)."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Sequence

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.access import visible_accounts
from services.clients.catalogue.models import Product
from services.clients.db import Repository
from services.clients.opportunities.models import Opportunity
from services.clients.quotations.models import Quotation, QuotationLine
from services.clients.quotations.rules import QuotationState

OwnerScope = Collection[int] | None


class QuotationRepository(Repository):
    """Queries for quotations and their lines, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def opportunity(
        self, opportunity_id: int, owner_ids: OwnerScope, *, for_update: bool = False
    ) -> Opportunity | None:
        """The opportunity, if its account is in the caller's scope."""
        query = select(Opportunity).where(
            col(Opportunity.id) == opportunity_id,
            visible_accounts(col(Opportunity.account_id), owner_ids),
        )
        if for_update:
            query = query.with_for_update(of=Opportunity).execution_options(populate_existing=True)
        return (await self.session.exec(query)).first()

    async def get(
        self, quotation_id: int, owner_ids: OwnerScope, *, for_update: bool = False
    ) -> Quotation | None:
        query = select(Quotation).where(
            col(Quotation.id) == quotation_id,
            visible_accounts(col(Quotation.account_id), owner_ids),
        )
        if for_update:
            query = query.with_for_update(of=Quotation).execution_options(populate_existing=True)
        return (await self.session.exec(query)).first()

    async def lines(self, quotation_ids: Collection[int]) -> dict[int, list[QuotationLine]]:
        """The lines of each quotation, in order."""
        if not quotation_ids:
            return {}
        rows = await self.session.exec(
            select(QuotationLine)
            .where(col(QuotationLine.quotation_id).in_(list(quotation_ids)))
            .order_by(col(QuotationLine.quotation_id), col(QuotationLine.position))
        )
        found: dict[int, list[QuotationLine]] = {qid: [] for qid in quotation_ids}
        for line in rows.all():
            found[line.quotation_id].append(line)
        return found

    async def replace_lines(self, quotation_id: int, lines: Sequence[QuotationLine]) -> None:
        for old in (await self.lines([quotation_id]))[quotation_id]:
            await self.session.delete(old)
        await self.session.flush()
        self.session.add_all(lines)
        await self.session.flush()

    async def latest_revisions(self, opportunity_ids: Collection[int]) -> dict[int, int]:
        """The highest revision of each opportunity's quotation (none: absent)."""
        if not opportunity_ids:
            return {}
        rows = await self.session.exec(
            select(Quotation.opportunity_id, func.max(Quotation.revision))
            .where(col(Quotation.opportunity_id).in_(list(opportunity_ids)))
            .group_by(col(Quotation.opportunity_id))
        )
        return {opportunity_id: revision for opportunity_id, revision in rows.all()}

    async def lock_opportunity_quotations(self, opportunity_id: int) -> None:
        """Serialise new versions of one opportunity's quotation (revision numbers)."""
        await self.session.exec(
            select(Opportunity.id)
            .where(col(Opportunity.id) == opportunity_id)
            .with_for_update(of=Opportunity)
        )

    async def accepted_of(self, opportunity_id: int) -> Quotation | None:
        """The opportunity's accepted quotation, if any (only the latest can be accepted)."""
        query = select(Quotation).where(
            col(Quotation.opportunity_id) == opportunity_id,
            col(Quotation.state) == QuotationState.ACCEPTED.value,
        )
        return (await self.session.exec(query.order_by(col(Quotation.revision).desc()))).first()

    async def products(self, product_ids: Collection[int]) -> dict[int, Product]:
        rows = await self.session.exec(
            select(Product).where(col(Product.id).in_(list(product_ids)))
        )
        return {product.id: product for product in rows.all() if product.id is not None}

    async def list(
        self,
        owner_ids: OwnerScope,
        *,
        opportunity_id: int | None,
        author_id: int | None,
        states: builtins.list[str] | None,
        before_id: int | None,
        limit: int,
    ) -> Sequence[Quotation]:
        """Newest first."""
        query = (
            select(Quotation)
            .where(visible_accounts(col(Quotation.account_id), owner_ids))
            .order_by(col(Quotation.id).desc())
            .limit(limit)
        )
        if opportunity_id is not None:
            query = query.where(col(Quotation.opportunity_id) == opportunity_id)
        if author_id is not None:
            query = query.where(col(Quotation.author_id) == author_id)
        if states:
            query = query.where(col(Quotation.state).in_(states))
        if before_id is not None:
            query = query.where(col(Quotation.id) < before_id)
        return (await self.session.exec(query)).all()
