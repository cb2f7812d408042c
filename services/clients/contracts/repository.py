"""Every query on contracts, including the base-currency sums grading and metrics read."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, literal, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.access import visible_accounts
from services.clients.contracts.models import Contract
from services.clients.contracts.rules import ContractStatus
from services.clients.contracts.schemas import ContractQuery
from services.clients.db import Repository
from services.clients.org.repository import reporting_subtree_ids

OwnerScope = Collection[int] | None


def _status_condition(status: str, today: date) -> ColumnElement[bool]:
    """Stored status plus the read-time expiry rule (see rules.shown_status)."""
    stored = col(Contract.status)
    if status == ContractStatus.SIGNED:
        return and_(stored == ContractStatus.SIGNED.value, col(Contract.end_date) >= today)
    if status == ContractStatus.EXPIRED:
        return or_(
            stored == ContractStatus.EXPIRED.value,
            and_(stored == ContractStatus.SIGNED.value, col(Contract.end_date) < today),
        )
    return stored == status


def _escaped_like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class ContractRepository(Repository):
    """Queries for contracts, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self, contract_id: int, *, owner_ids: OwnerScope, for_update: bool = False
    ) -> Contract | None:
        """A contract whose account is in the caller's scope."""
        query = select(Contract).where(col(Contract.id) == contract_id)
        if owner_ids is not None:
            query = query.where(visible_accounts(col(Contract.account_id), owner_ids))
        if for_update:
            query = query.with_for_update(of=Contract).execution_options(populate_existing=True)
        result = await self.session.exec(query)
        return result.first()

    async def get_by_number(self, number: str) -> Contract | None:
        result = await self.session.exec(select(Contract).where(col(Contract.number) == number))
        return result.first()

    async def renewal_of(self, contract_id: int) -> Contract | None:
        """The contract that renews ``contract_id``, if any."""
        result = await self.session.exec(
            select(Contract).where(col(Contract.renewal_of_id) == contract_id)
        )
        return result.first()

    async def has_signed(self, account_id: int, *, other_than: int) -> bool:
        """Whether the account has a non-draft contract besides ``other_than``."""
        result = await self.session.exec(
            select(col(Contract.id))
            .where(
                col(Contract.account_id) == account_id,
                col(Contract.status) != ContractStatus.DRAFT.value,
                col(Contract.id) != other_than,
            )
            .limit(1)
        )
        return result.first() is not None

    async def chain(self, contract_id: int) -> builtins.list[Contract]:
        """Every contract of ``contract_id``'s renewal chain, oldest first.

        Walks to the root through ``renewal_of_id``, then down; a contract is renewed at
        most once (unique ``renewal_of_id``), so the chain is a line.
        """
        contracts = Contract.__table__  # type: ignore[attr-defined]
        up = (
            select(contracts.c.id, contracts.c.renewal_of_id, literal(0).label("depth"))
            .where(contracts.c.id == contract_id)
            .cte("chain_up", recursive=True)
        )
        up = up.union(
            select(contracts.c.id, contracts.c.renewal_of_id, (up.c.depth + 1).label("depth")).join(
                up, contracts.c.id == up.c.renewal_of_id
            )
        )
        root = select(up.c.id).order_by(up.c.depth.desc()).limit(1).scalar_subquery()
        down = (
            select(contracts.c.id, literal(0).label("depth"))
            .where(contracts.c.id == root)
            .cte("chain_down", recursive=True)
        )
        down = down.union(
            select(contracts.c.id, (down.c.depth + 1).label("depth")).join(
                down, contracts.c.renewal_of_id == down.c.id
            )
        )
        query = select(Contract).join(down, col(Contract.id) == down.c.id).order_by(down.c.depth)
        result = await self.session.exec(query)
        return list(result.all())

    async def list(
        self,
        filters: ContractQuery,
        *,
        owner_ids: OwnerScope,
        today: date,
        after_id: int | None,
        limit: int,
    ) -> Sequence[Contract]:
        """One keyset page by id of the contracts matching ``filters`` within the scope."""
        conditions: list[Any] = []
        query = select(Contract)
        if owner_ids is not None:
            conditions.append(visible_accounts(col(Contract.account_id), owner_ids))
        if filters.account_id is not None:
            conditions.append(col(Contract.account_id) == filters.account_id)
        if filters.owner_ids:
            conditions.append(col(Contract.owner_id).in_(filters.owner_ids))
        if filters.team_of is not None:
            conditions.append(col(Contract.owner_id).in_(reporting_subtree_ids(filters.team_of)))
        if filters.statuses:
            conditions.append(or_(*(_status_condition(s, today) for s in filters.statuses)))
        if filters.signed_from is not None:
            conditions.append(col(Contract.signed_on) >= filters.signed_from)
        if filters.signed_to is not None:
            conditions.append(col(Contract.signed_on) <= filters.signed_to)
        if filters.text:
            pattern = _escaped_like(filters.text)
            conditions.append(
                or_(
                    col(Contract.number).ilike(pattern, escape="\\"),
                    col(Contract.title).ilike(pattern, escape="\\"),
                )
            )
        if filters.currency is not None:
            conditions.append(col(Contract.currency) == filters.currency)
        if after_id is not None:
            conditions.append(col(Contract.id) > after_id)
        result = await self.session.exec(
            query.where(*conditions).order_by(col(Contract.id)).limit(limit)
        )
        return result.all()
