"""Every query on accounts."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.accounts.models import Account


class AccountRepository:
    """Queries for accounts, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, account_id: int) -> Account | None:
        return await self.session.get(Account, account_id)

    async def get_by_credit_code(self, credit_code: str) -> Account | None:
        result = await self.session.exec(
            select(Account).where(col(Account.credit_code) == credit_code)
        )
        return result.first()

    async def list(
        self,
        *,
        owner_id: int | None,
        grade: str | None,
        text_query: str | None,
        after_id: int | None,
        limit: int,
    ) -> Sequence[Account]:
        query = select(Account).order_by(col(Account.id)).limit(limit)
        if owner_id is not None:
            query = query.where(col(Account.owner_id) == owner_id)
        if grade is not None:
            query = query.where(col(Account.grade) == grade)
        if text_query:
            pattern = f"%{text_query}%"
            query = query.where(
                or_(col(Account.legal_name).ilike(pattern), col(Account.short_name).ilike(pattern))
            )
        if after_id is not None:
            query = query.where(col(Account.id) > after_id)
        result = await self.session.exec(query)
        return result.all()

    async def add(self, account: Account) -> Account:
        self.session.add(account)
        await self.session.flush()
        await self.session.refresh(account)
        return account
