"""Dependency aliases of the accounts API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.clients.accounts.repository import AccountRepository
from services.clients.accounts.service import AccountService
from shared.db import SessionDep


def account_service(session: SessionDep) -> AccountService:
    return AccountService(AccountRepository(session))


AccountServiceDep = Annotated[AccountService, Depends(account_service)]
