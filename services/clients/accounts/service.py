"""Rules of key-account records. Never commits: the request owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError

from services.clients.accounts.models import Account
from services.clients.accounts.repository import AccountRepository
from services.clients.accounts.schemas import AccountCreate
from shared.errors import Conflict, NotFound, UnprocessableContent


class AccountService:
    """Create, read and list key accounts."""

    def __init__(self, repository: AccountRepository) -> None:
        self.repository = repository

    async def get(self, account_id: int) -> Account:
        account = await self.repository.get(account_id)
        if account is None:
            raise NotFound(f"account {account_id} does not exist")
        return account

    async def list(
        self,
        *,
        owner_id: int | None,
        grade: str | None,
        text_query: str | None,
        after_id: int | None,
        limit: int,
    ) -> Sequence[Account]:
        return await self.repository.list(
            owner_id=owner_id, grade=grade, text_query=text_query, after_id=after_id, limit=limit
        )

    async def create(self, data: AccountCreate) -> Account:
        if data.parent_id is not None and await self.repository.get(data.parent_id) is None:
            raise UnprocessableContent(f"parent account {data.parent_id} does not exist")
        if data.credit_code and await self.repository.get_by_credit_code(data.credit_code):
            raise Conflict(f"an account with credit code {data.credit_code} already exists")
        account = Account.model_validate(data.model_dump(mode="json"))
        try:
            return await self.repository.add(account)
        except IntegrityError as exc:
            raise Conflict(
                f"an account with credit code {data.credit_code} already exists"
            ) from exc
