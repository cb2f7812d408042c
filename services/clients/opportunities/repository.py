"""Every query of opportunities and of the pipeline's stages; the scope comes from
``access.visible_accounts`` on the opportunity's account."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, or_
from sqlmodel import col, delete, func, select

from services.clients.access import Scope, scope_member, visible_accounts
from services.clients.contacts.models import AccountContact, Contact
from services.clients.db import Repository
from services.clients.opportunities.models import (
    Opportunity,
    OpportunityContact,
    OpportunityLine,
    OpportunityMember,
    OpportunityStageChange,
    PipelineStage,
)
from services.clients.opportunities.schemas import OpportunityQuery

OwnerScope = Collection[int] | None


class StageRepository(Repository):
    async def all(self) -> builtins.list[PipelineStage]:
        rows = await self.session.exec(select(PipelineStage).order_by(col(PipelineStage.position)))
        return list(rows.all())

    async def get(self, code: str, *, for_update: bool = False) -> PipelineStage | None:
        query = select(PipelineStage).where(col(PipelineStage.code) == code)
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.exec(query)).first()

    async def at_position(self, position: int) -> PipelineStage | None:
        query = select(PipelineStage).where(col(PipelineStage.position) == position)
        return (await self.session.exec(query)).first()

    async def open_opportunities_in(self, code: str) -> int:
        query = select(func.count()).where(
            col(Opportunity.stage_code) == code, col(Opportunity.status) == "open"
        )
        return int((await self.session.exec(query)).one())


def in_scope(owner_ids: OwnerScope) -> ColumnElement[bool]:
    """Opportunities a restricted caller sees: those on accounts he sees
    (``access.visible_accounts``), and, in reads, those whose team he is on (a presales
    colleague from another line sees the deal he works on, not the account's other
    records). Writes stay with whoever may write the account."""
    accounts = visible_accounts(col(Opportunity.account_id), owner_ids)
    member = scope_member(owner_ids)
    if member is None or (isinstance(owner_ids, Scope) and owner_ids.writing):
        return accounts
    teamed = select(col(OpportunityMember.opportunity_id)).where(
        col(OpportunityMember.employee_id) == member
    )
    return or_(accounts, col(Opportunity.id).in_(teamed))


class OpportunityRepository(Repository):
    async def get(
        self, opportunity_id: int, *, owner_ids: OwnerScope, for_update: bool = False
    ) -> Opportunity | None:
        """An opportunity whose account is in the caller's scope."""
        query = select(Opportunity).where(col(Opportunity.id) == opportunity_id)
        if owner_ids is not None:
            query = query.where(in_scope(owner_ids))
        if for_update:
            query = query.with_for_update(of=Opportunity).execution_options(populate_existing=True)
        return (await self.session.exec(query)).first()

    async def list(
        self, filters: OpportunityQuery, *, owner_ids: OwnerScope, after_id: int | None, limit: int
    ) -> Sequence[Opportunity]:
        """One keyset page by id of the opportunities matching ``filters`` in the scope."""
        conditions: builtins.list[Any] = []
        if owner_ids is not None:
            conditions.append(in_scope(owner_ids))
        if filters.account_id is not None:
            conditions.append(col(Opportunity.account_id) == filters.account_id)
        if filters.owner_ids:
            conditions.append(col(Opportunity.owner_id).in_(filters.owner_ids))
        if filters.stage_codes:
            conditions.append(col(Opportunity.stage_code).in_(filters.stage_codes))
        if filters.statuses:
            conditions.append(col(Opportunity.status).in_(filters.statuses))
        if filters.close_from is not None:
            conditions.append(col(Opportunity.expected_close_month) >= filters.close_from)
        if filters.close_to is not None:
            conditions.append(col(Opportunity.expected_close_month) <= filters.close_to)
        if after_id is not None:
            conditions.append(col(Opportunity.id) > after_id)
        query = select(Opportunity).where(*conditions).order_by(col(Opportunity.id)).limit(limit)
        return (await self.session.exec(query)).all()

    async def members(self, opportunity_id: int) -> builtins.list[OpportunityMember]:
        query = (
            select(OpportunityMember)
            .where(col(OpportunityMember.opportunity_id) == opportunity_id)
            .order_by(col(OpportunityMember.employee_id))
        )
        return list((await self.session.exec(query)).all())

    async def contacts(
        self, opportunity_id: int
    ) -> builtins.list[tuple[OpportunityContact, Contact]]:
        query = (
            select(OpportunityContact, Contact)
            .join(Contact, col(Contact.id) == col(OpportunityContact.contact_id))
            .where(col(OpportunityContact.opportunity_id) == opportunity_id)
            .order_by(col(OpportunityContact.contact_id))
        )
        return list((await self.session.exec(query)).all())

    async def lines(self, opportunity_id: int) -> builtins.list[OpportunityLine]:
        query = (
            select(OpportunityLine)
            .where(col(OpportunityLine.opportunity_id) == opportunity_id)
            .order_by(col(OpportunityLine.position))
        )
        return list((await self.session.exec(query)).all())

    async def contacts_of_account(self, account_id: int, contact_ids: Collection[int]) -> set[int]:
        """Those of ``contact_ids`` linked to the account."""
        if not contact_ids:
            return set()
        query = select(col(AccountContact.contact_id)).where(
            col(AccountContact.account_id) == account_id,
            col(AccountContact.contact_id).in_(list(contact_ids)),
        )
        return set((await self.session.exec(query)).all())

    async def replace_members(self, opportunity_id: int, rows: Sequence[OpportunityMember]) -> None:
        await self.session.exec(
            delete(OpportunityMember).where(col(OpportunityMember.opportunity_id) == opportunity_id)
        )
        self.session.add_all(rows)
        await self.session.flush()

    async def replace_contacts(
        self, opportunity_id: int, rows: Sequence[OpportunityContact]
    ) -> None:
        await self.session.exec(
            delete(OpportunityContact).where(
                col(OpportunityContact.opportunity_id) == opportunity_id
            )
        )
        self.session.add_all(rows)
        await self.session.flush()

    async def replace_lines(self, opportunity_id: int, rows: Sequence[OpportunityLine]) -> None:
        await self.session.exec(
            delete(OpportunityLine).where(col(OpportunityLine.opportunity_id) == opportunity_id)
        )
        self.session.add_all(rows)
        await self.session.flush()

    def add_change(self, change: OpportunityStageChange) -> None:
        self.session.add(change)

    async def history(self, opportunity_id: int) -> builtins.list[OpportunityStageChange]:
        query = (
            select(OpportunityStageChange)
            .where(col(OpportunityStageChange.opportunity_id) == opportunity_id)
            .order_by(col(OpportunityStageChange.changed_at), col(OpportunityStageChange.id))
        )
        return list((await self.session.exec(query)).all())
